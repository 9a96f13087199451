import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build' }),
    // The cross-site form check lives in hooks.server.ts (lib/server/origins.ts): SvelteKit's
    // knows only ORIGIN and answers a bare text line; ours also accepts ORIGIN's loopback
    // aliases outside production and tells the admin which address and setting to use.
    csrf: { trustedOrigins: ['*'] },
    // CSP with nonces for SvelteKit's own inline scripts; no framing at all.
    csp: {
      mode: 'nonce',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        'connect-src': ['self'],
        'frame-ancestors': ['none'],
        'form-action': ['self'],
        'base-uri': ['none'],
        'object-src': ['none'],
      },
    },
  },
};

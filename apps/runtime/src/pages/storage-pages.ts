// Cookie-less OIDC (LTI client-side postMessage storage): pages that put the state into the
// platform's storage at login, and read it back at launch, before going on.
import { html } from 'hono/html';
import { type Html, jsonForScript, layout } from './layout.js';

// Shared client: sends one request to the platform frame and resolves with the response
// matched by message_id and origin; accepts both lti.* and org.imsglobal.lti.* subjects.
const CLIENT = `
function ltiFrame(target){if(target==='_parent')return window.parent;try{return window.parent.frames[target]||window.parent}catch(e){return window.parent}}
function ltiRequest(cfg,subject,payload,timeoutMs){return new Promise(function(resolve,reject){
 var id=Math.random().toString(36).slice(2)+Date.now().toString(36);
 var done=false;function finish(fn,v){if(done)return;done=true;window.removeEventListener('message',onMsg);clearTimeout(t);fn(v)}
 function onMsg(ev){var d=ev.data;if(ev.origin!==cfg.platformOrigin||!d||d.message_id!==id)return;
  var s=String(d.subject||'').replace(/^org\\.imsglobal\\./,'');if(s!==subject+'.response')return;
  if(d.error){var err=new Error(d.error.message||d.error.code);err.code=d.error.code;finish(reject,err)}else finish(resolve,d)}
 window.addEventListener('message',onMsg);var t=setTimeout(function(){var e=new Error('timeout');e.code='timeout';finish(reject,e)},timeoutMs);
 var msg=Object.assign({subject:subject,message_id:id},payload);
 try{ltiFrame(cfg.target).postMessage(msg,cfg.platformOrigin)}catch(e){finish(reject,e)}
})}
`;

export function storageLoginPage(opts: { nonce: string; authUrl: string; platformOrigin: string; target: string; state: string; oidcNonce: string }): Html {
  const cfg = { platformOrigin: opts.platformOrigin, target: opts.target, authUrl: opts.authUrl, state: opts.state, nonce: opts.oidcNonce };
  const script = `${CLIENT}
var cfg=${jsonForScript(cfg)};
function go(){window.location.replace(cfg.authUrl)}
// Both keyed by the state: the launch page knows the state (the platform posts it back) and
// reads the nonce with it, as the proof it sends to the server.
Promise.all([
 ltiRequest(cfg,'lti.put_data',{key:'state_'+cfg.state,value:cfg.state},3000),
 ltiRequest(cfg,'lti.put_data',{key:'nonce_'+cfg.state,value:cfg.nonce},3000)
]).then(go,go); // on failure the state cookie (set too) is the fallback
`;
  const body = html`<div class="card"><div class="spinner" aria-hidden="true"></div><p>Signing you in…</p>
    <noscript><p><a href="${opts.authUrl}">Continue</a></p></noscript></div>`;
  return layout({ title: 'Signing you in…', nonce: opts.nonce, body, script });
}

/**
 * Reads the state and its nonce back from platform storage and posts them — the proof the
 * server checks against the login — to the continuation. Runs only inside the platform's
 * frame (the page's frame-ancestors is the platform origin; a top-level open reports it).
 */
export function storageLaunchPage(opts: { nonce: string; continueUrl: string; token: string; platformOrigin: string; target: string; state: string }): Html {
  const cfg = { platformOrigin: opts.platformOrigin, target: opts.target, continueUrl: opts.continueUrl, token: opts.token, state: opts.state };
  const script = `${CLIENT}
var cfg=${jsonForScript(cfg)};
function post(fields){var f=document.createElement('form');f.method='POST';f.action=cfg.continueUrl;
 fields.token=cfg.token;Object.keys(fields).forEach(function(k){var i=document.createElement('input');i.type='hidden';i.name=k;i.value=fields[k];f.appendChild(i)});
 document.body.appendChild(f);f.submit()}
function fail(code){post({storage_error:code||'failed'})}
if(window.parent===window){fail('not_framed')}else{
Promise.all([
 ltiRequest(cfg,'lti.get_data',{key:'state_'+cfg.state},3000),
 ltiRequest(cfg,'lti.get_data',{key:'nonce_'+cfg.state},3000)
]).then(function(r){
 if(r[0].value===cfg.state&&typeof r[1].value==='string')post({state:r[0].value,nonce:r[1].value});else fail('state_mismatch')
},function(e){fail(e.code==='key_not_found'?'key_not_found':(e.code||'failed'))});
}
`;
  const body = html`<div class="card"><div class="spinner" aria-hidden="true"></div><p>Opening your activity…</p></div>`;
  return layout({ title: 'Opening your activity…', nonce: opts.nonce, body, script });
}

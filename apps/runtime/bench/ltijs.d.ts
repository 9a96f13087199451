// The little of ltijs and ltijs-sequelize the reference-tool benchmark uses (they ship no types).
declare module 'ltijs' {
  interface PlatformInput {
    url: string;
    name: string;
    clientId: string;
    authenticationEndpoint: string;
    accesstokenEndpoint: string;
    authConfig: { method: 'JWK_SET' | 'JWK_KEY' | 'RSA_KEY'; key: string };
  }
  export const Provider: {
    setup(key: string, database: { plugin: unknown }, options: Record<string, unknown>): void;
    onConnect(handler: (token: unknown, req: unknown, res: { send(body: string): void }) => void): void;
    deploy(options: { port: number; silent?: boolean }): Promise<void>;
    registerPlatform(platform: PlatformInput): Promise<unknown>;
  };
}
declare module 'ltijs-sequelize' {
  export default class Database {
    constructor(database: string, user: string, password: string, options: Record<string, unknown>);
  }
}

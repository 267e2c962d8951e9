export { hostGuard, compileHosts, hostName, type HostGuardOptions } from './host.ts';
export { httpsRedirect, type HttpsRedirectOptions } from './https.ts';
export { bodyLimit, type BodyLimitOptions } from './body.ts';
export { hardenServer, SERVER_TIMEOUT_DEFAULTS, type HardenServerOptions } from './server.ts';

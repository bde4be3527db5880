// undici's package entry loads every dispatcher, the mock agents, the caches and fetch: about 535 KB minified and
// 90 ms of cold require on this machine. The token client needs one thing, an Agent (a keep-alive pool per origin)
// that can `request`, so it takes undici's Agent and request API from their own modules: about 285 KB, and the
// same code the package entry would run.
import type { Agent as UndiciAgent, Dispatcher } from 'undici';
import AgentImpl from 'undici/lib/dispatcher/agent';
import DispatcherImpl from 'undici/lib/dispatcher/dispatcher';
import request from 'undici/lib/api/api-request';

// What undici's index.js does for every dispatcher (`Object.assign(Dispatcher.prototype, api)`), for `request` only.
const prototype = (DispatcherImpl as { prototype: Record<string, unknown> }).prototype;
if (typeof prototype.request !== 'function') prototype.request = request;

export type { Dispatcher };
export const Agent = AgentImpl as typeof UndiciAgent;

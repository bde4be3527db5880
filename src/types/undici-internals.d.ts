// undici's own modules, imported directly by src/core/engine/httpAgent.ts (which gives them their public types).
declare module 'undici/lib/dispatcher/agent' {
  const Agent: unknown;
  export default Agent;
}
declare module 'undici/lib/dispatcher/dispatcher' {
  const Dispatcher: unknown;
  export default Dispatcher;
}
declare module 'undici/lib/api/api-request' {
  const request: unknown;
  export default request;
}

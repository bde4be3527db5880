// The language-model tools' ids, as package.json contributes them (contributes.languageModelTools; the manifest test
// holds the two to each other). No `vscode` here, so the Node tier reads it.
export const LM_TOOLS = {
  listAgents: 'entraAgentTokens_listAgents',
  decodeToken: 'entraAgentTokens_decodeToken',
  explainError: 'entraAgentTokens_explainError',
  getAgentToken: 'entraAgentTokens_getAgentToken',
  callApi: 'entraAgentTokens_callApi',
  callApiWrite: 'entraAgentTokens_callApiWrite',
} as const;

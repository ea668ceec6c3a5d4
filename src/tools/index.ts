/**
 * `sandtier/tools`: sandtier's tools as JSON-Schema definitions and a dispatcher, for agent frameworks
 * that take function definitions (OpenAI- and Anthropic-style tool lists, the AI SDK's jsonSchema), and
 * code mode: a model-written program that calls an agent's tools, run on quickjs.
 */
export {
  createTools,
  UnknownToolError,
  type Tools,
  type ToolsOptions,
  type ToolCallContext,
} from './dispatcher.js'
export { TOOL_NAMES, type ToolDefinition, type ToolName } from './definitions.js'
export type { JsonSchema } from './json-schema.js'
export {
  resolveToolsConfig,
  type ToolsConfig,
  type ResolvedToolsConfig,
  type ToolLimits,
} from './tools-config.js'
export { toolResultText, type ToolContent, type ToolResult } from './tool-result.js'
export { toOpenAITools, toAnthropicTools } from './tool-formats.js'
export {
  codeMode,
  type CodeMode,
  type CodeModeOptions,
  type CodeModeRunOptions,
} from './code-mode/code-mode.js'
export type { CodeTool, ToolCallLimits } from './code-mode/tool-bridge.js'
export type { McpToolClient } from './code-mode/mcp-source.js'
export { toolDeclarations, type DeclaredTool } from './code-mode/declarations.js'

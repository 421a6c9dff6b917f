/** The workflow capability: the catalog of runbooks and the executor of their API-safe steps. */
export { listWorkflows, findWorkflow, findStep } from './catalog';
export type { WorkflowCatalog, WorkflowView, StepView } from './catalog';
export { StepExecutor, inputIssues } from './stepExecutor';
export type { StepExecutorOptions } from './stepExecutor';
export { parseAllowHosts, ALLOW_HOSTS_VARIABLE } from './allowHosts';
export type { Resolve, ResolvedAddress } from './allowHosts';
export { parseWebhooks, WEBHOOKS_VARIABLE } from './webhooks';
export type { StepDefinition } from './step';
export {
  WorkflowError,
  UnknownStep,
  StepNotApiSafe,
  StepInputInvalid,
  StepTargetNotAllowed,
  InvalidStepConfig,
} from './workflow.errors';
export type { FieldIssue } from './workflow.errors';
export type { StepResult } from '../incidents/incident.events';

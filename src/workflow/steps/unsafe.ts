/**
 * Steps that change a host. They are listed so a workflow reads complete, but the API refuses
 * to run them (step_not_api_safe): an operator does them by hand and records the outcome.
 */
import { z } from 'zod';
import { defineUnsafeStep } from '../step';

const hostId = z.string().min(1).max(200).describe('The host, as named in the incident.');
const service = z.string().regex(/^[A-Za-z0-9@._-]{1,128}$/, 'must be a service unit name such as nginx or app@2').describe('The service unit.');

export const rebootHost = defineUnsafeStep({
  key: 'reboot-host',
  title: 'Reboot the host',
  description: 'Reboots the VPS from the provider console. Not API-safe: do it by hand.',
  input: z.strictObject({ hostId, reason: z.string().min(1).max(1000) }),
});

export const restartService = defineUnsafeStep({
  key: 'restart-service',
  title: 'Restart a service',
  description: 'Restarts one service unit on the host. Not API-safe: do it by hand.',
  input: z.strictObject({ hostId, service }),
});

export const rollbackDeploy = defineUnsafeStep({
  key: 'rollback-deploy',
  title: 'Roll back a deploy',
  description: 'Redeploys the previous known-good release of a service. Not API-safe: do it by hand.',
  input: z.strictObject({ hostId, service, toVersion: z.string().min(1).max(200).describe('The release to go back to.') }),
});

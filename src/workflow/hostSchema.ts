/** Input fields that name a network target: rejected early when they cannot be a host at all. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { isHostname, normaliseHost } from './allowHosts';

export const hostnameSchema = z
  .string()
  .max(253)
  .refine((value) => isHostname(normaliseHost(value)), 'must be a hostname such as web-3.example.com');

export const hostSchema = z
  .string()
  .max(255)
  .refine((value) => {
    const host = normaliseHost(value);
    return isIP(host) !== 0 || isHostname(host);
  }, 'must be a hostname or an IP address');

/** A manual item an operator did (or could not do) by hand, recorded with their comment. No network. */
import { z } from 'zod';
import { defineApiSafeStep, failed, succeeded } from '../step';

const input = z.strictObject({
  item: z.string().trim().min(1).max(500).describe('What was to be done, e.g. "Snapshot the disk before cleanup".'),
  confirmed: z.boolean().describe('true when done; false records that it could not be done.'),
  comment: z.string().trim().min(1).max(2000).describe('What the operator saw or did.'),
});

export const checklist = defineApiSafeStep({
  key: 'checklist',
  title: 'Confirm a manual item',
  description: 'An operator confirms a manual item with a comment. Fails when the item is marked not done.',
  input,
  async run({ item, confirmed, comment }) {
    const output = { item, confirmed, comment };
    return confirmed ? succeeded(output) : failed(output);
  },
});

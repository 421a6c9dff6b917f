import { randomUUID } from 'node:crypto';
import { decodeCursor, encodeCursor } from '../../src/readmodel/listCursor';
import { InvalidCursor } from '../../src/readmodel/readmodel.errors';

describe('the list cursor', () => {
  it('decodes to the position it was made from, and is URL-safe', () => {
    const position = { createdAt: '2026-11-26T14:00:00.000Z', id: randomUUID() };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it('refuses a cursor with extra parts', () => {
    const cursor = Buffer.from(JSON.stringify(['2026-11-26T14:00:00.000Z', randomUUID(), 'x'])).toString('base64url');
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursor);
  });
});

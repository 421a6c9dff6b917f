import { createSseParser, type SseMessage } from '../../src/console/live/sseParser';

function parse(chunks: string[]): { messages: SseMessage[]; retries: number[] } {
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  const parser = createSseParser({ onMessage: (message) => messages.push(message), onRetry: (ms) => retries.push(ms) });
  for (const chunk of chunks) parser.feed(chunk);
  return { messages, retries };
}

describe('reading a text/event-stream', () => {
  it('Given a stream with retry, a keep-alive and two events, when it is read, then the events come out with their ids', () => {
    const { messages, retries } = parse(['retry: 2000\n\n: keep-alive\n\nid: 7\nevent: incident\ndata: {"a":1}\n\nid: 8\nevent: incident\ndata: {"a":2}\n\n']);

    expect(retries).toEqual([2000]);
    expect(messages).toEqual([
      { id: '7', event: 'incident', data: '{"a":1}' },
      { id: '8', event: 'incident', data: '{"a":2}' },
    ]);
  });

  it('Given chunks that split lines anywhere, CRLF included, when they are read, then the events are the same', () => {
    const text = 'id: 41\r\nevent: incident\r\ndata: line one\r\ndata: line two\r\n\r\n';
    const oneByOne = parse([...text]);

    expect(oneByOne.messages).toEqual([{ id: '41', event: 'incident', data: 'line one\nline two' }]);
  });

  it('Given an event that is not finished by a blank line, when the chunk ends, then nothing is dispatched yet', () => {
    expect(parse(['id: 1\nevent: incident\ndata: {}\n']).messages).toEqual([]);
  });

  it('Given a message without an id, when it is read, then it keeps the last id seen, as EventSource does', () => {
    const { messages } = parse(['id: 5\ndata: a\n\ndata: b\n\n']);

    expect(messages.map((message) => message.id)).toEqual(['5', '5']);
    expect(messages[1]!.event).toBe('message');
  });
});

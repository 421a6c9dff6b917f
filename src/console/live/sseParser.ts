/**
 * The text/event-stream format (WHATWG HTML § 9.2.6) read incrementally: the console reads the stream
 * with fetch() because EventSource cannot send the bearer header. Chunks may split lines anywhere,
 * including between a CR and its LF.
 */
export type SseMessage = { id: string | null; event: string; data: string };

export type SseParser = {
  feed(chunk: string): void;
};

type Handlers = {
  onMessage(message: SseMessage): void;
  onRetry?(milliseconds: number): void;
};

export function createSseParser({ onMessage, onRetry }: Handlers): SseParser {
  let buffer = '';
  let data: string[] = [];
  let eventType = '';
  // The last event id persists across messages until a message sets another (an `id:` line with no value resets it).
  let lastId: string | null = null;

  const dispatch = () => {
    if (data.length === 0) {
      eventType = '';
      return;
    }
    onMessage({ id: lastId, event: eventType || 'message', data: data.join('\n') });
    data = [];
    eventType = '';
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data': data.push(value); break;
      case 'event': eventType = value; break;
      case 'id':
        if (!value.includes('\0')) lastId = value === '' ? null : value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) onRetry?.(Number(value));
        break;
      default: break;
    }
  };

  return {
    feed(chunk) {
      buffer += chunk;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (match === null) return;
        // A CR at the very end may be the first half of CRLF: wait for the next chunk to know.
        if (match[0] === '\r' && match.index === buffer.length - 1) return;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
  };
}

// live.js — the node's event stream (GET /v1/events as a WebSocket) kept alive across drops:
// after a close it reconnects with growing pauses and asks with since=<last seq seen> for what
// it missed, so the page sees every event once, in order (or a "gap" event when the node's
// ring no longer holds them).

const MAX_PAUSE_MS = 8000;

export class EventStream {
  // onEvent(event): each event as the node sent it. onState(state, close, reconnected):
  // 'connecting', 'live' (reconnected: after a drop) or 'reconnecting' (close: the close event).
  constructor({key, onEvent, onState}) {
    this.key = key;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastSeq = 0;
    this.failures = 0;
    this.socket = null;
    this.timer = null;
  }

  start(since) {
    this.lastSeq = since;
    this.connect();
  }

  stop() {
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000, 'page closed the stream');
  }

  // Starts over from `since` (the node restarted: its sequence numbers began again).
  restartFrom(since) {
    this.stop();
    this.start(since);
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = new URLSearchParams({key: this.key(), since: String(this.lastSeq)});
    const socket = new WebSocket(`${scheme}//${location.host}/v1/events?${query}`);
    this.socket = socket;
    this.onState('connecting');
    socket.onopen = () => {
      const reconnected = this.failures > 0;
      this.failures = 0;
      this.onState('live', null, reconnected);
    };
    socket.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.seq > this.lastSeq) this.lastSeq = event.seq;
      this.onEvent(event);
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;  // stopped, or already replaced
      const pause = Math.min(MAX_PAUSE_MS, 500 * 2 ** this.failures++);
      this.onState('reconnecting', close);
      this.timer = setTimeout(() => this.connect(), pause);
    };
  }
}

// Counts the measured stanzas as they arrive: every message, groupchat or pubsub item the
// generator sends carries "xb STEP SEQ SEND_US" (xmppbench's S5/S7 marker), so a receiver needs
// no XML parsing, only a regex over the text, and latency is receive time − send time on the
// system-wide monotonic clock (the same in every worker process).
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { monotonicUs, type XmppClient } from '../client/xmpp-client.js';

const MARKER = /xb (\d+) (\d+) (\d+)[ <]/g;
/** Text kept when a chunk holds no marker: enough for one split marker, never unbounded. */
const MAX_TAIL = 512;

export function markerText(step: number, seq: number, sentUs: number, padding: string): string {
  return `xb ${step} ${seq} ${Math.round(sentUs)}${padding ? ' ' + padding : ''}`;
}

export class MarkerCounter {
  step = -1;
  /** Deliveries of the current step. */
  received = 0;
  /** Deliveries of any step, for the progress line. */
  receivedTotal = 0;
  stepLatency = new LatencyHistogram(10);
  /** Reset by every progress poll: the latency of the last second. */
  readonly window = new LatencyHistogram(7);
  private readonly tails = new Map<XmppClient, string>();

  beginStep(step: number): void {
    this.step = step;
    this.received = 0;
    this.stepLatency = new LatencyHistogram(10);
  }

  readonly sink = (client: XmppClient, text: string): void => {
    const now = monotonicUs();
    const tail = this.tails.get(client);
    const buf = tail ? tail + text : text;
    MARKER.lastIndex = 0;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = MARKER.exec(buf)) !== null) {
      last = MARKER.lastIndex;
      if (Number(m[1]) !== this.step) continue; // a straggler of an earlier step
      const latency = now - Number(m[3]);
      this.received++;
      this.receivedTotal++;
      this.stepLatency.record(latency);
      this.window.record(latency);
    }
    const rest = buf.length - last > MAX_TAIL ? buf.slice(-MAX_TAIL) : buf.slice(last);
    if (rest) this.tails.set(client, rest);
    else if (tail) this.tails.delete(client);
  };
}

/** For phases whose traffic is not measured (MUC presence floods during joins). */
export const discardText = (): void => {};

import http from 'node:http';

/**
 * What a server counted under valgrind (npm run bench -- --instructions) changes, and why.
 *
 * Valgrind runs the server some 50 times slower, but not its clock: every timer fires 50 times as
 * often per request as it would natively, and how often depends on how busy the machine is. So a
 * count would hold a varying share of clock-driven work, measured here as windows of the same
 * requests 1-7 % apart. The counted server takes that work out and counts what each request
 * itself costs: a timer that would drive work between requests is set to NEVER_MS, and the work
 * runs at fixed points instead. An SDK's batch goes when the harness flushes at the end of a
 * window (a constant per window, which cancels out of the figure); a polling strategy ticks once
 * right after each response closes (servers/app.ts), so its count holds one tick per request:
 * under load a tick is shared by the requests that end within it, at idle there are more ticks
 * than requests. What a tick costs alone is the micro suite's tick case. Responses carry no Date
 * header, whose cached text Node refreshes once a second (UndatedResponse).
 */

/** The longest delay a Node timer takes (about 24.8 days): a timer set to it never fires during a count. */
export const NEVER_MS = 2 ** 31 - 1;

/**
 * @sentry/node's transport, as its own but for one thing: its agent closes a connection to the
 * collector once idle for 2 s. Valgrind stretches the gaps between a count's windows past that,
 * so a window reconnected a varying number of times (8-10 connections for 10 concurrent
 * long-idle requests, measured), which a server under load, sending all the time, never does.
 * Given as the transport's `httpModule` option, its request keeps the SDK's options but this agent.
 */
export function keptConnectionsHttp(): Pick<typeof http, 'request'> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 30 });
  return { request: ((options: http.RequestOptions, callback?: (response: http.IncomingMessage) => void) => http.request({ ...options, agent }, callback)) as typeof http.request };
}

/**
 * A response without a Date header. Node formats that header at most once a second and keeps it
 * until a 1 s timer clears it, so a counted window held one formatting, and one timer, per second
 * it took: windows of 80 untraced plain-json requests 0.2 % apart on a busy machine, the
 * difference in callgrind's dump being one more date formatting (measured).
 */
export class UndatedResponse extends http.ServerResponse {
  constructor(request: http.IncomingMessage) {
    super(request);
    this.sendDate = false;
  }
}

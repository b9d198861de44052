// Stub for resource://gre/modules/Timer.sys.mjs.  Gecko's timers do not keep
// a process alive; unref() gives node's timers the same property, so the
// 5 s request time-outs that Thunderbird never cancels do not delay exit.
export function setTimeout(fn, ms, ...args) {
  const t = globalThis.setTimeout(fn, ms, ...args);
  t.unref?.();
  return t;
}
export function clearTimeout(t) {
  globalThis.clearTimeout(t);
}

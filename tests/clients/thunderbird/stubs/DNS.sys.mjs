// Stub for resource:///modules/DNS.sys.mjs (a ctypes/worker resolver).
// The test has no DNS: every lookup fails as if the name had no records,
// which is what Thunderbird sees for a domain without SRV/MX records.
function noRecords(kind, name) {
  return Promise.reject(new Error(`harness: no ${kind} record for ${name}`));
}
export const DNS = {
  srv: name => noRecords("SRV", name),
  mx: name => noRecords("MX", name),
  txt: name => noRecords("TXT", name),
  lookup: (name, type) => noRecords(String(type), name),
};

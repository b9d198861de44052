// Stub for resource:///modules/OAuth2.sys.mjs, imported by OAuth2Module.
// OAuth2Module.initFromHostname() only constructs an OAuth2 object for hosts
// in Thunderbird's built-in OAuth2 provider list; the test domains are not.
export class OAuth2 {
  constructor() {
    throw new Error("harness: OAuth2 is not available in this test");
  }
}

// Stub for resource:///modules/PrimaryPassword.sys.mjs, imported by
// OAuth2Module; only used when an OAuth2 token is stored.
export function enforcePrimaryPassword() {
  throw new Error("harness: PrimaryPassword is not available in this test");
}

// Node module-resolution hook: maps Gecko's resource:// module URLs onto the
// files extracted from Thunderbird's omni.ja (tb/modules/...), except for the
// few platform modules listed in stubs/, which replace Gecko services that
// cannot run under node.  Anything else is an explicit error, so a new
// import in a future Thunderbird shows up as a precise failure.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

let tbRoot;
let stubRoot;

export async function initialize(data) {
  tbRoot = data.tbRoot;
  stubRoot = data.stubRoot;
}

export async function resolve(specifier, context, next) {
  const m = /^resource:\/\/(?:gre)?\/modules\/(.+)$/.exec(specifier);
  if (!m) {
    return next(specifier, context);
  }
  const stub = join(stubRoot, m[1]);
  if (existsSync(stub)) {
    return { url: pathToFileURL(stub).href, shortCircuit: true };
  }
  const real = join(tbRoot, "modules", m[1]);
  if (existsSync(real)) {
    return { url: pathToFileURL(real).href, shortCircuit: true };
  }
  throw new Error(
    `harness: ${specifier} is neither extracted from omni.ja nor stubbed`
  );
}

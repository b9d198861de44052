// The Gecko globals that Thunderbird's account-setup modules touch, as thin
// stand-ins.  Only what the exercised code paths call is provided; any other
// Services.*, Ci.* or Cc[...] access throws "harness: ... not stubbed", so a
// change in Thunderbird shows up as a precise error, never as silent success.
// Nothing here parses mail configuration: that is left to Thunderbird's code.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DOMParser as XmldomParser, XMLSerializer } from "@xmldom/xmldom";

export const debug = process.env.TB_DEBUG === "1";
function debugLog(...args) {
  if (debug) {
    process.stderr.write(args.map(String).join(" ") + "\n");
  }
}

function strict(name, obj) {
  return new Proxy(obj, {
    get(target, prop) {
      if (prop in target || typeof prop == "symbol") {
        return target[prop];
      }
      throw new Error(`harness: ${name}.${String(prop)} is not stubbed`);
    },
  });
}

// ---------------------------------------------------------------------------
// Preferences: Thunderbird's real defaults, read from the prefs files shipped
// in the package (greprefs.js and defaults/pref/*.js from omni.ja, then the
// Debian package's defaults/pref and /etc/thunderbird/pref files).
const prefs = new Map();
function loadPrefFile(text) {
  const re =
    /^\s*(?:pref|sticky_pref)\s*\(\s*"([^"]+)"\s*,\s*(true|false|-?\d+|"(?:[^"\\]|\\.)*")\s*(?:,[^)]*)?\)\s*;/gm;
  for (const [, name, raw] of text.matchAll(re)) {
    prefs.set(name, JSON.parse(raw));
  }
}
// Static prefs (StaticPrefList.yaml) are compiled into libxul and so are not
// in any prefs file.  Only those read on the exercised paths are listed.
// mail.graph.enabled: the experimental Graph API switch, off by default.
const staticPrefs = { "mail.graph.enabled": false };

function getPref(kind, name, dflt) {
  if (prefs.has(name)) {
    const v = prefs.get(name);
    if (typeof v != kind) {
      throw new Error(`harness: pref ${name} is not a ${kind}`);
    }
    return v;
  }
  if (name in staticPrefs) {
    return staticPrefs[name];
  }
  if (dflt !== undefined) {
    return dflt;
  }
  // Gecko throws NS_ERROR_UNEXPECTED for a missing pref without a default.
  throw new Error(`harness: pref ${name} has no default value`);
}

// ---------------------------------------------------------------------------
// Localization: Thunderbird's own en-US strings from the .ftl files.
const messages = new Map();
function loadFtl(text) {
  for (const [, id, value] of text.matchAll(
    /^([a-zA-Z][\w-]*)\s*=\s*(.*)$/gm
  )) {
    messages.set(id, value);
  }
}
class Localization {
  constructor(resourceIds) {
    this.resourceIds = resourceIds;
  }
  formatValueSync(id) {
    return messages.get(id) ?? id;
  }
  async formatValue(id) {
    return this.formatValueSync(id);
  }
}

// ---------------------------------------------------------------------------
// Interface constants.  Ci.* is compiled into libxul; these values are those
// of MailNewsTypes2.idl (nsMsgSocketType, nsMsgAuthMethod).  harness.mjs
// cross-checks them against AccountConfig.prototype.toString(), which
// Thunderbird itself writes in terms of the same numbers.
const Ci = strict("Ci", {
  nsMsgSocketType: Object.freeze({
    plain: 0,
    trySTARTTLS: 1,
    alwaysSTARTTLS: 2,
    SSL: 3,
  }),
  nsMsgAuthMethod: Object.freeze({
    none: 1,
    old: 2,
    passwordCleartext: 3,
    passwordEncrypted: 4,
    GSSAPI: 5,
    NTLM: 6,
    External: 7,
    secure: 8,
    anything: 9,
    OAuth2: 10,
  }),
  nsIURL: "nsIURL",
});

// ---------------------------------------------------------------------------
// Services: prefs, io.newURI (WHATWG URL behind nsIURI's field names) and
// no-op observers (OAuth2Module registers two at load time).  eTLD is only
// used when following redirects, which the tests do not exercise.
function newURI(spec) {
  const u = new URL(spec);
  return {
    spec: u.href,
    scheme: u.protocol.replace(/:$/, ""),
    host: u.hostname,
    port: u.port ? Number(u.port) : -1,
    hostPort: u.host,
    pathQueryRef: u.pathname + u.search + u.hash,
    QueryInterface() {
      return this;
    },
  };
}
const Services = strict("Services", {
  prefs: strict("Services.prefs", {
    getBoolPref: (n, d) => getPref("boolean", n, d),
    getCharPref: (n, d) => getPref("string", n, d),
    getStringPref: (n, d) => getPref("string", n, d),
    getIntPref: (n, d) => getPref("number", n, d),
  }),
  io: strict("Services.io", { newURI }),
  obs: strict("Services.obs", {
    addObserver() {},
    removeObserver() {},
  }),
});

// ---------------------------------------------------------------------------
// ChromeUtils: lazy getters.  defineESModuleGetters() is synchronous in
// Gecko; here the harness imports every module that was asked for before
// running a test (preloadLazyModules), and the getter reads that registry.
const registry = new Map();
const wanted = new Set();
const unavailable = new Map();
const ChromeUtils = strict("ChromeUtils", {
  defineLazyGetter(obj, name, fn) {
    Object.defineProperty(obj, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = fn.call(obj);
        Object.defineProperty(obj, name, { value, enumerable: true });
        return value;
      },
    });
  },
  defineESModuleGetters(obj, modules) {
    for (const [name, url] of Object.entries(modules)) {
      wanted.add(url);
      Object.defineProperty(obj, name, {
        configurable: true,
        enumerable: true,
        get() {
          const ns = registry.get(url);
          if (!ns) {
            throw new Error(
              `harness: lazy module ${url} is not available (${unavailable.get(url) ?? "not loaded"})`
            );
          }
          return ns[name];
        },
      });
    }
  },
  importESModule(url) {
    const ns = registry.get(url);
    if (!ns) {
      throw new Error(`harness: importESModule(${url}): not preloaded`);
    }
    return ns;
  },
  generateQI() {
    return function QueryInterface() {
      return this;
    };
  },
});

/** Import every module named in a defineESModuleGetters() call, until no new
 *  names appear.  Modules that are neither extracted nor stubbed (e.g. the
 *  AddonManager) stay unavailable; touching them throws. */
export async function preloadLazyModules() {
  let progress = true;
  while (progress) {
    progress = false;
    for (const url of wanted) {
      if (registry.has(url) || unavailable.has(url)) {
        continue;
      }
      progress = true;
      try {
        registry.set(url, await import(url));
      } catch (e) {
        unavailable.set(url, e.message);
      }
    }
  }
  return { loaded: [...registry.keys()], unavailable: [...unavailable] };
}

export async function importModule(url) {
  const ns = await import(url);
  registry.set(url, ns);
  return ns;
}

// ---------------------------------------------------------------------------
// XML.  Gecko's DOMParser returns a <parsererror> document for input that is
// not well-formed (expat treats every well-formedness error as fatal, hence
// onError throws on "error" too); XMLHttpRequest.responseXML is null then
// (XHR spec, "document response").  DOM: a Document has no Text children;
// xmldom keeps the whitespace between the prolog and the root, Gecko doesn't.
function parseXMLStrict(text) {
  const doc = new XmldomParser({
    onError(level, msg) {
      if (level != "warning") {
        throw new Error(msg);
      }
    },
  }).parseFromString(text, "text/xml");
  for (let i = doc.childNodes.length - 1; i >= 0; i--) {
    if (doc.childNodes.item(i).nodeType == 3) {
      doc.removeChild(doc.childNodes.item(i));
    }
  }
  return doc;
}
const PARSERERROR_NS = "http://www.mozilla.org/newlayout/xml/parsererror.xml";
class DOMParser {
  parseFromString(text, type) {
    try {
      return parseXMLStrict(text);
    } catch (e) {
      const doc = new XmldomParser().parseFromString(
        `<parsererror xmlns="${PARSERERROR_NS}"/>`,
        type
      );
      doc.documentElement.appendChild(doc.createTextNode(e.message));
      return doc;
    }
  }
}

// ---------------------------------------------------------------------------
// XMLHttpRequest: the network.  The harness installs a handler
// ({method, url, headers, body}) -> {status, statusText, headers, body} or
// null for "cannot connect".  Every request is logged.
export const network = {
  handler: () => null,
  log: [],
};
const XML_MIME = /^(text\/xml|application\/xml|[^;\s]+\+xml)\s*(;|$)/i;
class XMLHttpRequest {
  constructor() {
    this.channel = {};
    this.status = 0;
    this.statusText = "";
    this.responseURL = "";
    this.responseText = "";
    this._headers = {};
    this._responseHeaders = new Map();
    this._aborted = false;
  }
  open(method, url) {
    this._method = method;
    this._url = url;
  }
  setRequestHeader(name, value) {
    this._headers[name] = value;
  }
  getResponseHeader(name) {
    return this._responseHeaders.get(name.toLowerCase()) ?? null;
  }
  get responseXML() {
    const type = this.getResponseHeader("Content-Type") ?? "";
    if (!XML_MIME.test(type)) {
      return null;
    }
    try {
      return parseXMLStrict(this.responseText);
    } catch {
      return null;
    }
  }
  abort() {
    this._aborted = true;
  }
  send(body) {
    const req = {
      method: this._method,
      url: this._url,
      headers: { ...this._headers },
      body,
    };
    network.log.push(req);
    setImmediate(() => {
      if (this._aborted) {
        return;
      }
      const res = network.handler(req);
      if (!res) {
        this.onerror?.({ type: "error" });
        return;
      }
      this.status = res.status;
      this.statusText = res.statusText;
      this.responseURL = this._url;
      this.responseText = res.body;
      for (const [k, v] of Object.entries(res.headers)) {
        this._responseHeaders.set(k.toLowerCase(), v);
      }
      this.onload?.({ type: "load" });
    });
  }
}

// ---------------------------------------------------------------------------
// Logging: Thunderbird reports the errors it swallows with console.error and
// its setup logger; they are shown only with TB_DEBUG=1.
const logger = {};
for (const level of ["log", "debug", "info", "warn", "error", "trace"]) {
  logger[level] = (...a) => debugLog(`[tb ${level}]`, ...a);
}

export function install(tbRoot) {
  const prefDir = join(tbRoot, "prefs");
  for (const f of readdirSync(prefDir).sort()) {
    loadPrefFile(readFileSync(join(prefDir, f), "utf8"));
  }
  loadFtl(
    readFileSync(
      join(tbRoot, "localization/en-US/messenger/accountcreation/accountCreation.ftl"),
      "utf8"
    )
  );
  // ES2024 built-ins that SpiderMonkey has and node 20 lacks.
  Promise.withResolvers ??= function () {
    let resolve, reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  URL.parse ??= (url, base) => {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  };
  // Gecko reports a promise rejection that has no handler yet and goes on;
  // node would abort.  Thunderbird's fetchConfigFromExchange() starts its
  // SRV lookup early and only attaches a handler after the earlier URLs.
  process.on("unhandledRejection", e => debugLog("[unhandled rejection]", e));
  console.createInstance = () => logger;
  console.error = logger.error;
  Object.assign(globalThis, {
    ChromeUtils,
    Services,
    Ci,
    Cu: strict("Cu", { isInAutomation: false }),
    Cc: strict("Cc", {}),
    Localization,
    DOMParser,
    XMLSerializer,
    XMLHttpRequest,
    dump: s => debugLog("[tb dump]", s),
  });
}

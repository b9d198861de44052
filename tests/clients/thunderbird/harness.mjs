// Feeds mailautoconf's golden answers to Thunderbird's own account-setup code
// (modules/accountcreation/*.sys.mjs from Debian's thunderbird package,
// extracted by run.sh) and checks the AccountConfig that Thunderbird builds.
//
// Path under test, all Thunderbird code:
//   autoconfig: FetchConfig.fromISP -> fetchHTTP -> JXON.build -> readFromXML
//   POX:        fetchConfigFromExchange -> fetchHTTP -> JXON.build ->
//               readAutoDiscoverResponse/readAutoDiscoverXML ->
//               detectStandardProtocols
//   then AccountConfig.replaceVariables(), as at account creation.
// The only fakes are the network (XMLHttpRequest serving the golden
// response, headers included, at the URL Thunderbird asks for first; every
// other URL cannot connect), DNS (no records) and the Gecko globals in
// globals.mjs.
//
// usage: TB_ROOT=<extracted dir> node harness.mjs [golden dir]
//        TB_ROOT=<extracted dir> TB_IMPORT=<pairs dir> node harness.mjs
// TB_DEBUG=1 shows what Thunderbird logs; TB_PRINT=1 prints each accepted
// configuration in the form used by EXPECT below.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { register } from "node:module";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const tbRoot = process.env.TB_ROOT;
if (!tbRoot || !existsSync(join(tbRoot, "modules"))) {
  process.stderr.write("harness.mjs: set TB_ROOT to the extracted Thunderbird files\n");
  process.exit(2);
}
const goldenDir = process.argv[2] ?? join(here, "../../golden");

register("./loader.mjs", import.meta.url, {
  data: { tbRoot, stubRoot: join(here, "stubs") },
});
const G = await import("./globals.mjs");
G.install(tbRoot);
const { DOMParser: RawParser } = await import("@xmldom/xmldom");

const M = "resource:///modules/accountcreation/";
const { FetchConfig } = await G.importModule(M + "FetchConfig.sys.mjs");
const { fetchConfigFromExchange } = await G.importModule(
  M + "ExchangeAutoDiscover.sys.mjs"
);
const { AccountConfig } = await G.importModule(M + "AccountConfig.sys.mjs");
const { InputSanitizer } = await G.importModule(M + "InputSanitizer.sys.mjs");
const lazyState = await G.preloadLazyModules();
if (G.debug) {
  process.stderr.write(`lazy modules: ${JSON.stringify(lazyState, null, 1)}\n`);
}

const SOCK = Object.fromEntries(
  Object.entries(Ci.nsMsgSocketType).map(([k, v]) => [v, k])
);
const AUTH = Object.fromEntries(
  Object.entries(Ci.nsMsgAuthMethod).map(([k, v]) => [v, k])
);
const REALNAME = "Test User";

// ---------------------------------------------------------------------------
// Pinned results: what Thunderbird's AccountConfig holds after
// replaceVariables().  "in" = incoming then incomingAlternatives, "out" =
// outgoing then outgoingAlternatives.  Thunderbird does not substitute
// placeholders in outgoingAlternatives (AccountConfig.replaceVariables), so
// those keep %EMAILADDRESS%.  Golden cases not listed here still get the
// generic checks (accepted or rejected, and the intent check).
const EXPECT = {
  ac_email: {
    in: [
      "imap mail.example.com:993 SSL passwordCleartext alice@example.com",
      "imap mail.example.com:143 alwaysSTARTTLS passwordCleartext alice@example.com",
      "pop3 mail.example.com:995 SSL passwordCleartext alice@example.com",
    ],
    out: [
      "smtp mail.example.com:465 SSL passwordCleartext alice@example.com",
      "smtp mail.example.com:587 alwaysSTARTTLS passwordCleartext %EMAILADDRESS%",
    ],
  },
  ac_full: {
    in: [
      "imap mail.brand.example:993 SSL passwordCleartext bob@brand.example",
      "imap mail.brand.example:143 alwaysSTARTTLS passwordCleartext bob@brand.example",
      "pop3 pop.brand.example:995 SSL passwordEncrypted bob",
    ],
    // OAuth2 is listed second on 465; Thunderbird takes the first it knows.
    out: [
      "smtp smtp.brand.example:465 SSL passwordCleartext bob@brand.example",
      "smtp smtp.brand.example:587 alwaysSTARTTLS passwordCleartext %EMAILADDRESS%",
    ],
  },
  ac_catchall: {
    in: ["imap imap.catchall.example:993 SSL passwordCleartext carol@anything.example"],
    out: ["smtp smtp.catchall.example:587 alwaysSTARTTLS passwordCleartext carol@anything.example"],
  },
  ac_evolution: {
    in: [
      "imap mail.example.com:993 SSL passwordCleartext EVOLUTIONUSER@example.com",
      "pop3 mail.example.com:995 SSL passwordCleartext EVOLUTIONUSER@example.com",
    ],
    out: ["smtp mail.example.com:465 SSL passwordCleartext EVOLUTIONUSER@example.com"],
  },
  // Port 443 (ALPN, tests/clients/README.md §8): the last alternatives;
  // Thunderbird's account is made from the first incoming and outgoing.
  ac_alpn: {
    in: [
      "imap mail.alpn.example:993 SSL passwordCleartext alice@alpn.example",
      "imap mail.alpn.example:143 alwaysSTARTTLS passwordCleartext alice@alpn.example",
      "imap mail.alpn.example:443 SSL passwordCleartext alice@alpn.example",
    ],
    out: [
      "smtp mail.alpn.example:465 SSL passwordCleartext alice@alpn.example",
      "smtp mail.alpn.example:587 alwaysSTARTTLS passwordCleartext %EMAILADDRESS%",
      "smtp mail.alpn.example:443 SSL passwordCleartext %EMAILADDRESS%",
    ],
  },
  ac_alpn_starttls: {
    in: [
      "imap mail.starttls.example:143 alwaysSTARTTLS passwordCleartext bob@starttls.example",
      "imap mail.starttls.example:443 SSL passwordCleartext bob@starttls.example",
    ],
    out: [
      "smtp mail.starttls.example:587 alwaysSTARTTLS passwordCleartext bob@starttls.example",
      "smtp mail.starttls.example:443 SSL passwordCleartext %EMAILADDRESS%",
    ],
  },
  pox_alpn: {
    in: [
      "imap mail.alpn.example:993 SSL passwordCleartext alice@alpn.example",
      "imap mail.alpn.example:143 alwaysSTARTTLS passwordCleartext alice@alpn.example",
    ],
    out: [
      "smtp mail.alpn.example:465 SSL passwordCleartext alice@alpn.example",
      "smtp mail.alpn.example:587 alwaysSTARTTLS passwordCleartext alice@alpn.example",
    ],
  },
  // POX: Thunderbird picks TLS by port (993/995/465 TLS, 143/587 STARTTLS)
  // unless <SSL>off</SSL> or <Encryption>None</Encryption>.
  pox_full: {
    in: [
      "imap mail.brand.example:993 SSL passwordCleartext bob@brand.example",
      "imap mail.brand.example:143 alwaysSTARTTLS passwordCleartext bob@brand.example",
      "imap legacy.brand.example:143 plain passwordCleartext bob@brand.example",
      "pop3 pop.brand.example:995 SSL passwordCleartext bob",
    ],
    out: [
      "smtp smtp.brand.example:465 SSL passwordCleartext bob@brand.example",
      "smtp smtp.brand.example:587 alwaysSTARTTLS passwordCleartext bob@brand.example",
    ],
  },
  pox_thunderbird: {
    in: [
      "imap mail.example.com:993 SSL passwordCleartext alice@example.com",
      "imap mail.example.com:143 alwaysSTARTTLS passwordCleartext alice@example.com",
      "pop3 mail.example.com:995 SSL passwordCleartext alice@example.com",
    ],
    out: [
      "smtp mail.example.com:465 SSL passwordCleartext alice@example.com",
      "smtp mail.example.com:587 alwaysSTARTTLS passwordCleartext alice@example.com",
    ],
  },
  pox_outlook2010: {
    in: [
      "imap mail.example.com:993 SSL passwordCleartext user@example.net",
      "imap mail.example.com:143 alwaysSTARTTLS passwordCleartext user@example.net",
      "pop3 mail.example.com:995 SSL passwordCleartext user@example.net",
    ],
    out: [
      "smtp mail.example.com:465 SSL passwordCleartext user@example.net",
      "smtp mail.example.com:587 alwaysSTARTTLS passwordCleartext user@example.net",
    ],
  },
};

// ---------------------------------------------------------------------------
// Golden files.
function readGolden(name) {
  const dir = join(goldenDir, name);
  const reqText = readFileSync(join(dir, "request"), "utf8");
  const [head, ...rest] = reqText.split(/\r?\n\r?\n/);
  const [requestLine, ...reqHeaderLines] = head.split(/\r?\n/);
  const [method, target] = requestLine.split(" ");
  const reqHeaders = {};
  for (const l of reqHeaderLines) {
    const i = l.indexOf(":");
    reqHeaders[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const exp = readFileSync(join(dir, "expected"));
  const sep = exp.indexOf("\r\n\r\n");
  const headers = {};
  let status = 200;
  let statusText = "OK";
  for (const l of exp.subarray(0, sep).toString("latin1").split("\r\n")) {
    const i = l.indexOf(":");
    const k = l.slice(0, i).trim();
    const v = l.slice(i + 1).trim();
    if (k.toLowerCase() == "status") {
      [, status, statusText] = /^(\d+)\s*(.*)$/.exec(v);
      status = Number(status);
    } else {
      headers[k] = v;
    }
  }
  return {
    name,
    method,
    target,
    host: reqHeaders.host ?? "",
    reqBody: rest.join("\n\n"),
    response: {
      status,
      statusText,
      headers,
      body: exp.subarray(sep + 4).toString("utf8"),
    },
  };
}

function validDomain(domain) {
  for (const d of [domain, URL.parse(`http://${domain}/`)?.hostname]) {
    try {
      return InputSanitizer.hostname(d);
    } catch {}
  }
  return null;
}

/** The address a user would type, from the golden request; a stand-in on
 *  the request's host when the request has none Thunderbird could use. */
function emailFor(g, kind) {
  let email;
  if (kind == "autoconfig") {
    email = new URL(g.target, "http://x").searchParams.get("emailaddress");
  } else {
    email = /<EMailAddress>([^<]*)<\/EMailAddress>/.exec(g.reqBody)?.[1];
  }
  const parts = email?.split("@");
  const domain = parts?.length == 2 && parts[0] && validDomain(parts[1]);
  if (domain) {
    return `${parts[0]}@${domain}`;
  }
  const host = g.host.replace(/^(autoconfig|autodiscover)\./i, "").toLowerCase();
  return `alice@${validDomain(host) ?? "example.com"}`;
}

// ---------------------------------------------------------------------------
// Running Thunderbird.
function errText(e) {
  if (e instanceof AggregateError) {
    return e.errors.map(errText).join(" | ");
  }
  return e instanceof Error ? e.message : String(e);
}

async function runThunderbird(kind, email, response) {
  const domain = email.split("@")[1];
  const serveAt =
    kind == "autoconfig"
      ? { method: "GET", host: `autoconfig.${domain}`, path: "/mail/config-v1.1.xml" }
      : { method: "POST", host: `autodiscover.${domain}`, path: "/autodiscover/autodiscover.xml" };
  G.network.log = [];
  G.network.handler = req => {
    const u = new URL(req.url);
    return req.method == serveAt.method &&
      u.protocol == "https:" &&
      u.hostname == serveAt.host &&
      u.pathname == serveAt.path
      ? response
      : null;
  };
  const signal = new AbortController().signal;
  try {
    const config =
      kind == "autoconfig"
        ? await FetchConfig.fromISP(domain, email, signal)
        : await fetchConfigFromExchange(domain, email, signal, null, "secret", () =>
            Promise.reject(new Error("harness: redirect confirmation refused"))
          );
    AccountConfig.replaceVariables(config, REALNAME, email, "secret");
    return { config, requests: G.network.log };
  } catch (e) {
    return { error: errText(e), requests: G.network.log };
  }
}

function fmt(s, withUser = true) {
  const base = `${s.type} ${s.hostname}:${s.port} ${SOCK[s.socketType] ?? s.socketType} ${AUTH[s.auth] ?? s.auth}`;
  return withUser ? `${base} ${s.username}` : base;
}
function tbServers(config, withUser = true) {
  return {
    in: [config.incoming, ...config.incomingAlternatives].map(s => fmt(s, withUser)),
    out: [config.outgoing, ...config.outgoingAlternatives].map(s => fmt(s, withUser)),
  };
}

// ---------------------------------------------------------------------------
// Intent: what our document means by the rules in tests/clients/README.md
// §3 and §4.3 (the meaning Outlook and the autoconfig spec give it), read
// with a plain DOM walk.  Thunderbird must arrive at the same servers, in
// the same order, with the same TLS mode and authentication.  Values we do
// not state (POX without <Encryption> or <SPA>) are not compared but
// reported.
const AC_SOCKET = { SSL: "SSL", STARTTLS: "alwaysSTARTTLS", plain: "plain" };
const AC_AUTH = {
  "password-cleartext": "passwordCleartext",
  "password-encrypted": "passwordEncrypted",
  OAuth2: "OAuth2",
  NTLM: "NTLM",
  GSSAPI: "GSSAPI",
  none: "none",
  "client-IP-address": "none",
  "smtp-after-pop": "none",
};
const POX_SOCKET = { SSL: "SSL", TLS: "alwaysSTARTTLS", None: "plain" };

function kids(el, name) {
  const out = [];
  for (let n = el?.firstChild; n; n = n.nextSibling) {
    if (n.nodeType == 1 && (n.localName ?? n.nodeName) == name) {
      out.push(n);
    }
  }
  return out;
}
const text = (el, name) => kids(el, name)[0]?.textContent.trim();

function intentOf(kind, body) {
  const doc = new RawParser().parseFromString(body, "text/xml");
  const res = { in: [], out: [], notes: [] };
  if (kind == "autoconfig") {
    const prov = kids(doc.documentElement, "emailProvider")[0];
    for (const [tag, list] of [["incomingServer", res.in], ["outgoingServer", res.out]]) {
      for (const s of kids(prov, tag)) {
        list.push(
          [
            s.getAttribute("type"),
            `${text(s, "hostname")}:${text(s, "port")}`,
            AC_SOCKET[text(s, "socketType")] ?? `?${text(s, "socketType")}`,
            AC_AUTH[text(s, "authentication")] ?? `?${text(s, "authentication")}`,
          ].join(" ")
        );
      }
    }
    return res;
  }
  const account = kids(kids(doc.documentElement, "Response")[0], "Account")[0];
  for (const p of kids(account, "Protocol")) {
    const type = text(p, "Type");
    if (!["IMAP", "POP3", "SMTP"].includes(type)) {
      continue;
    }
    const enc = text(p, "Encryption");
    const ssl = text(p, "SSL");
    let sock = enc ? POX_SOCKET[enc] ?? `?${enc}` : ssl == "off" ? "plain" : "*";
    const spa = text(p, "SPA");
    const auth = spa == "off" ? "passwordCleartext" : spa == "on" ? "secure" : "*";
    if (sock == "*") {
      res.notes.push(`${type}:${text(p, "Port")} has no <Encryption>`);
    }
    if (auth == "*") {
      res.notes.push(`${type}:${text(p, "Port")} has no <SPA>`);
    }
    (type == "SMTP" ? res.out : res.in).push(
      `${type.toLowerCase()} ${text(p, "Server")}:${text(p, "Port")} ${sock} ${auth}`
    );
  }
  return res;
}

function compareLists(label, want, got, out) {
  const n = Math.max(want.length, got.length);
  for (let i = 0; i < n; i++) {
    const w = want[i];
    const g = got[i];
    const ok =
      w !== undefined &&
      g !== undefined &&
      w.split(" ").every((part, j) => part.endsWith("*") || part == g.split(" ")[j]);
    if (!ok) {
      out.push(`${label}[${i}]: expected ${w ?? "(none)"}, Thunderbird has ${g ?? "(none)"}`);
    }
  }
}

function intentMismatches(kind, body, config) {
  const want = intentOf(kind, body);
  const got = tbServers(config, false);
  const out = [];
  compareLists("in", want.in, got.in, out);
  compareLists("out", want.out, got.out, out);
  return { mismatches: out, notes: want.notes };
}

function pinnedMismatches(name, config) {
  const out = [];
  const got = tbServers(config);
  compareLists("in", EXPECT[name].in, got.in, out);
  compareLists("out", EXPECT[name].out, got.out, out);
  return out;
}

// ---------------------------------------------------------------------------
// Reporting.
let passed = 0;
let failed = 0;
function report(ok, name, summary, details = []) {
  if (ok) {
    passed++;
  } else {
    failed++;
  }
  process.stdout.write(`${ok ? "PASS" : "FAIL"} ${name}: ${summary}\n`);
  for (const d of details) {
    process.stdout.write(`    ${d}\n`);
  }
}

function kindOf(g) {
  // A golden case that only loads a configuration ("LOAD") has no request.
  if (g.target === undefined) {
    return null;
  }
  const path = g.target.split("?")[0].toLowerCase();
  if (path.endsWith("/config-v1.1.xml")) {
    return g.method == "GET" ? "autoconfig" : null;
  }
  if (path.endsWith("/autodiscover/autodiscover.xml")) {
    return g.method == "POST" ? "pox" : null;
  }
  return null;
}

/** Did Thunderbird itself send the golden's request?  (Informational.) */
function sameAsThunderbird(g, requests) {
  const url = `https://${g.host}${g.target}`;
  return requests.some(
    r =>
      r.method == g.method &&
      (r.url == url || r.url == url.replace(/^https:/, "http:")) &&
      (g.method != "POST" || (r.body ?? "").trim() == g.reqBody.trim())
  );
}

async function goldenCase(g, kind) {
  const email = emailFor(g, kind);
  const r = await runThunderbird(kind, email, g.response);
  const ok2xx = g.response.status >= 200 && g.response.status < 300;
  // Thunderbird must reject every answer that is not a 2xx, and every 2xx
  // POX answer that is not <Action>settings</Action> (an Error, or the
  // mobilesync schema): no mail configuration may come out of those.
  const wantReject =
    !ok2xx ||
    (kind == "pox" && !/<Action>settings<\/Action>/.test(g.response.body));
  if (wantReject && EXPECT[g.name]) {
    report(false, g.name, `pinned as a settings answer, but HTTP ${g.response.status} without <Action>settings</Action>`);
    return;
  }
  const tbReq = sameAsThunderbird(g, r.requests) ? "; request = Thunderbird's own" : "";
  if (G.debug && r.config) {
    process.stderr.write(`${g.name}:\n${r.config.toString()}\n`);
  }
  if (wantReject) {
    report(
      !!r.error,
      g.name,
      r.error
        ? `${kind} HTTP ${g.response.status}: rejected by Thunderbird (${r.error.slice(0, 100)})`
        : `${kind} HTTP ${g.response.status}: Thunderbird ACCEPTED it: ${fmt(r.config.incoming)}`
    );
    return;
  }
  if (r.error) {
    report(false, g.name, `${kind} HTTP ${g.response.status}: Thunderbird rejected it: ${r.error}`);
    return;
  }
  if (process.env.TB_PRINT == "1") {
    process.stdout.write(`  ${g.name}: ${JSON.stringify(tbServers(r.config), null, 2)},\n`);
  }
  const intent = intentMismatches(kind, g.response.body, r.config);
  const problems = [...intent.mismatches];
  let pinned = "";
  if (EXPECT[g.name]) {
    problems.push(...pinnedMismatches(g.name, r.config));
    pinned = ", pinned";
  }
  const c = r.config;
  const nIn = 1 + c.incomingAlternatives.length;
  const nOut = 1 + c.outgoingAlternatives.length;
  const notes = intent.notes.length ? `; note: ${intent.notes.join(", ")}` : "";
  report(
    problems.length == 0,
    g.name,
    `${kind} as ${email}: ${fmt(c.incoming)} / ${fmt(c.outgoing)}; ` +
      `${nIn}+${nOut} servers checked: intent${pinned}${tbReq}${notes}`,
    problems
  );
}

// ---------------------------------------------------------------------------
// Controls: mutated golden answers.  Each must change the body, and
// Thunderbird (or the checks above) must notice.
function mutate(g, fn, what) {
  const body = fn(g.response.body);
  if (body == g.response.body) {
    throw new Error(`control mutation did not apply: ${what}`);
  }
  return { ...g.response, body };
}

async function controls() {
  const ac = readGolden("ac_email");
  const pox = readGolden("pox_thunderbird");
  const acEmail = emailFor(ac, "autoconfig");
  const poxEmail = emailFor(pox, "pox");

  const rejects = [
    ["ctl_ac_no_sockettype", "autoconfig", acEmail,
      mutate(ac, b => b.replace(/\s*<socketType>[^<]*<\/socketType>/g, ""), "drop socketType")],
    ["ctl_ac_lowercase_ssl", "autoconfig", acEmail,
      mutate(ac, b => b.replace(/<socketType>([^<]*)<\/socketType>/g, (_, v) => `<socketType>${v.toLowerCase()}</socketType>`), "lower-case socketType")],
    ["ctl_ac_truncated", "autoconfig", acEmail,
      mutate(ac, b => b.slice(0, b.length >> 1), "truncate")],
    ["ctl_ac_text_plain", "autoconfig", acEmail,
      { ...ac.response, headers: { ...ac.response.headers, "Content-Type": "text/plain; charset=utf-8" } }],
    ["ctl_ac_no_hostname", "autoconfig", acEmail,
      mutate(ac, b => b.replace(/\s*<hostname>[^<]*<\/hostname>/g, ""), "drop hostname")],
    ["ctl_pox_no_server", "pox", poxEmail,
      mutate(pox, b => b.replace(/\s*<Server>[^<]*<\/Server>/g, ""), "drop Server")],
    ["ctl_pox_truncated", "pox", poxEmail,
      mutate(pox, b => b.slice(0, b.length >> 1), "truncate")],
  ];
  for (const [name, kind, email, response] of rejects) {
    const r = await runThunderbird(kind, email, response);
    report(
      !!r.error,
      name,
      r.error
        ? `rejected by Thunderbird (${r.error.slice(0, 100)})`
        : `Thunderbird ACCEPTED a broken answer: ${fmt(r.config.incoming)}`
    );
  }

  // The pinned comparison must notice a changed port.
  {
    const r = await runThunderbird("autoconfig", acEmail,
      mutate(ac, b => b.replace("<port>993</port>", "<port>994</port>"), "993->994"));
    const m = r.config ? pinnedMismatches("ac_email", r.config) : [];
    report(m.length > 0, "ctl_pinned_detects_port",
      m.length ? `pinned check flags it: ${m[0]}` : `not detected (${r.error ?? "accepted unchanged"})`);
  }
  // tests/clients/README.md §4.3: Thunderbird ignores <Encryption> unless
  // None and picks TLS by port.  <Encryption>TLS</Encryption> on 993 (what mox sends) means
  // STARTTLS to Outlook but TLS to Thunderbird: the intent check must flag it.
  {
    const resp = mutate(pox, b => b.replace("<Encryption>SSL</Encryption>", "<Encryption>TLS</Encryption>"), "SSL->TLS");
    const r = await runThunderbird("pox", poxEmail, resp);
    const m = r.config ? intentMismatches("pox", resp.body, r.config).mismatches : [];
    report(
      r.config?.incoming.socketType == Ci.nsMsgSocketType.SSL && m.length > 0,
      "ctl_pox_993_encryption_tls",
      r.config
        ? `Thunderbird reads 993 as ${SOCK[r.config.incoming.socketType]}; intent check flags it: ${m[0] ?? "NO"}`
        : `rejected: ${r.error}`
    );
  }
  // tests/clients/README.md §4.3: automx2's STARTTLS form
  // <SSL>off</SSL><Encryption>TLS reaches Thunderbird as plaintext.
  {
    const resp = mutate(pox, b => b.replace(
      /<Port>143<\/Port>([\s\S]*?)<SSL>on<\/SSL>/, "<Port>143</Port>$1<SSL>off</SSL>"), "SSL off on 143");
    const r = await runThunderbird("pox", poxEmail, resp);
    const s = r.config && [r.config.incoming, ...r.config.incomingAlternatives].find(x => x.port == 143);
    report(s?.socketType == Ci.nsMsgSocketType.plain, "ctl_pox_automx2_starttls_is_plain",
      s ? `Thunderbird reads SSL=off + Encryption=TLS on 143 as ${SOCK[s.socketType]}` : `no 143 server (${r.error})`);
  }
  // tests/clients/README.md §3.2: a missing <username> becomes the string
  // "undefined".
  {
    const r = await runThunderbird("autoconfig", acEmail,
      mutate(ac, b => b.replace(/\s*<username>[^<]*<\/username>/, ""), "drop first username"));
    report(r.config?.incoming.username === "undefined", "ctl_ac_missing_username",
      r.config ? `Thunderbird sets the username to ${JSON.stringify(r.config.incoming.username)}` : `rejected: ${r.error}`);
  }
}

// The Ci.* values in globals.mjs against Thunderbird's own number->name
// mapping in AccountConfig.prototype.toString().
function checkConstants() {
  const c = new AccountConfig();
  const bad = [];
  const sock = [["SSL", "SSL"], ["alwaysSTARTTLS", "STARTTLS"], ["plain", "plain"]];
  const auth = [["passwordCleartext", "plain"], ["passwordEncrypted", "encrypted"],
    ["GSSAPI", "Kerberos"], ["NTLM", "NTLM"], ["secure", "any secure"],
    ["OAuth2", "OAuth2"], ["none", "none"]];
  for (const [k, label] of sock) {
    c.incoming.socketType = Ci.nsMsgSocketType[k];
    if (!c.toString().includes(`, ${label}, auth:`)) bad.push(`nsMsgSocketType.${k}`);
  }
  for (const [k, label] of auth) {
    c.incoming.auth = Ci.nsMsgAuthMethod[k];
    if (!c.toString().includes(`auth: ${label},`)) bad.push(`nsMsgAuthMethod.${k}`);
  }
  report(bad.length == 0, "ci_constants",
    bad.length ? `disagree with AccountConfig.toString(): ${bad.join(", ")}` : "socket/auth constants agree with AccountConfig.toString()");
}

// ---------------------------------------------------------------------------
// Import round trip (run.sh --import): for each NAME.orig (a clientConfig
// file), NAME.answer (our autoconfig answer after mailautoconf import),
// NAME.email and NAME.loss, Thunderbird's own parser must read the same
// incoming and outgoing servers (order, type, host, port, socket type,
// authentication, username) from both, except the losses named in
// NAME.loss that the README documents: plain servers and server types the
// INI lacks are left out of the original's list, and "username" compares
// without usernames.
async function importCase(dir, name) {
  const read = ext => readFileSync(join(dir, name + ext), "utf8");
  const email = read(".email").trim();
  const loss = read(".loss").trim().split(/\s+/);
  const resp = body => ({
    status: 200,
    statusText: "OK",
    headers: { "Content-Type": "text/xml; charset=utf-8" },
    body,
  });
  const o = await runThunderbird("autoconfig", email, resp(read(".orig")));
  const a = await runThunderbird("autoconfig", email, resp(read(".answer")));
  if (o.error || a.error) {
    report(false, `import ${name}`, `Thunderbird rejected ${o.error ? "the original" : "our answer"}: ${o.error ?? a.error}`);
    return;
  }
  const withUser = !loss.includes("username");
  const keep = s => s.socketType != Ci.nsMsgSocketType.plain && ["imap", "pop3", "smtp"].includes(s.type);
  const list = (c, dir, filter) =>
    (dir == "in" ? [c.incoming, ...c.incomingAlternatives] : [c.outgoing, ...c.outgoingAlternatives])
      .filter(s => s && s.hostname && (!filter || keep(s)))
      .map(s => fmt(s, withUser));
  const problems = [];
  for (const d of ["in", "out"]) {
    const want = list(o.config, d, true);
    const got = list(a.config, d, false);
    if (JSON.stringify(want) != JSON.stringify(got)) {
      problems.push(`${d}: original ${JSON.stringify(want)}`, `${d}: answer   ${JSON.stringify(got)}`);
    }
  }
  report(problems.length == 0, `import ${name}`, `${loss.join("+") || "exact"}`, problems);
}

if (process.env.TB_IMPORT) {
  const dir = process.env.TB_IMPORT;
  for (const f of readdirSync(dir).sort()) {
    if (f.endsWith(".orig")) {
      await importCase(dir, f.slice(0, -".orig".length));
    }
  }
  process.stdout.write(`thunderbird-import: ${passed} passed, ${failed} failed\n`);
  process.exit(failed || !passed ? 1 : 0);
}

checkConstants();
const skipped = [];
for (const name of readdirSync(goldenDir).sort()) {
  if (!existsSync(join(goldenDir, name, "request")) || !existsSync(join(goldenDir, name, "expected"))) {
    continue;
  }
  const g = readGolden(name);
  const kind = kindOf(g);
  if (!kind) {
    skipped.push(name);
    continue;
  }
  await goldenCase(g, kind);
}
await controls();
if (G.debug) {
  process.stderr.write(`not Thunderbird requests: ${skipped.join(" ")}\n`);
}
process.stdout.write(`thunderbird: ${passed} passed, ${failed} failed\n`);
process.exit(failed || !passed ? 1 : 0);

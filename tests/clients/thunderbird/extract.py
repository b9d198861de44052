#!/usr/bin/env python3
"""Copy the parts of Thunderbird that the test runs out of its omni.ja.

usage: extract.py OMNI_JA DEB_ROOT OUT_DIR

OUT_DIR/modules/...       the account-setup modules and what they import
OUT_DIR/localization/...  accountCreation.ftl (error messages)
OUT_DIR/prefs/NN-*.js     default prefs: greprefs.js, the app's, then the package's
"""
import os
import shutil
import sys
import zipfile

# Modules loaded for real.  Everything under modules/accountcreation/ plus the
# shared modules they import; the few platform modules that cannot run under
# node are replaced by stubs/ (see loader.mjs).
SHARED_MODULES = [
    "modules/JXON.sys.mjs",
    "modules/hostnameUtils.sys.mjs",
    "modules/MailStringUtils.sys.mjs",
    "modules/OAuth2Module.sys.mjs",
    "modules/OAuth2Providers.sys.mjs",
]
FTL = "localization/en-US/messenger/accountcreation/accountCreation.ftl"


def main():
    omni, deb_root, out = sys.argv[1:4]
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    z = zipfile.ZipFile(omni)
    names = set(z.namelist())
    wanted = [n for n in names if n.startswith("modules/accountcreation/")
              and n.endswith(".sys.mjs")]
    wanted += SHARED_MODULES + [FTL]
    missing = [n for n in wanted if n not in names]
    if missing:
        sys.exit("extract.py: not in omni.ja: " + ", ".join(missing))
    for n in wanted:
        dst = os.path.join(tmp, n)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(z.read(n))
    # Default prefs: greprefs.js, then the application's defaults/pref/*.js
    # inside omni.ja, then the package's own defaults/pref and the Debian
    # system prefs in /etc/thunderbird/pref.
    prefs = ["greprefs.js"] + sorted(
        n for n in names if n.startswith("defaults/pref/") and n.endswith(".js"))
    os.makedirs(os.path.join(tmp, "prefs"))
    i = 0
    for n in prefs:
        if n in names:
            i += 1
            with open(os.path.join(tmp, "prefs", "%02d-omni-%s" % (i, os.path.basename(n))), "wb") as f:
                f.write(z.read(n))
    for d in ("usr/share/thunderbird/defaults/pref", "usr/lib/thunderbird/defaults/pref",
              "etc/thunderbird/pref"):
        p = os.path.join(deb_root, d)
        if os.path.isdir(p) and not os.path.islink(p):
            for f in sorted(os.listdir(p)):
                if f.endswith(".js"):
                    i += 1
                    shutil.copy(os.path.join(p, f),
                                os.path.join(tmp, "prefs", "%02d-deb-%s" % (i, f)))
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Bulk-provision Prosody 'internal' storage (file per user) directly.

Writes the same Lua .dat files that mod_storage_internal / datamanager
would write: <data>/<host-enc>/accounts/<user>.dat (internal_plain: clear
password; with --scram N, internal_hashed: SCRAM-SHA-1 keys of N iterations,
the fields mod_auth_internal_hashed stores) and optionally <data>/<host-enc>/roster/<user>.dat with
ROSTER contacts per user (subscription=both, symmetric ring: user i has
i-10..i-1 and i+1..i+10, modulo the population).  Run with Prosody
stopped (or restart it afterwards), then chown to the prosody user.
"""
import argparse, hashlib, hmac, os, re, time, uuid

def enc(s):
    return re.sub(r"[^0-9A-Za-z]", lambda m: "%%%02x" % ord(m.group(0)), s)

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/tmp/pampero-bench/prosody/data")
ap.add_argument("--domain", default="bench.local")
ap.add_argument("--user-fmt", default="load%d")
ap.add_argument("--password", default="pass%d")
ap.add_argument("--first", type=int, default=1)
ap.add_argument("--count", type=int, required=True)
ap.add_argument("--roster", type=int, default=0, help="contacts per user (even)")
ap.add_argument("--scram", type=int, default=0, metavar="ITERATIONS",
                help="store SCRAM-SHA-1 keys (internal_hashed) instead of the clear password")
a = ap.parse_args()


def account(pw):
    if not a.scram:
        return '\t["password"] = "%s";\n' % pw
    # RFC 5802 3: SaltedPassword = PBKDF2-HMAC-SHA-1; as Prosody 0.12 create_user: a UUID salt
    # (used as bytes), hex stored_key = H(ClientKey) and server_key
    salt = str(uuid.uuid4())
    salted = hashlib.pbkdf2_hmac("sha1", pw.encode(), salt.encode(), a.scram)
    client_key = hmac.new(salted, b"Client Key", "sha1").digest()
    return ('\t["stored_key"] = "%s";\n\t["server_key"] = "%s";\n\t["salt"] = "%s";\n\t["iteration_count"] = %d;\n'
            % (hashlib.sha1(client_key).hexdigest(), hmac.new(salted, b"Server Key", "sha1").hexdigest(), salt, a.scram))

t0 = time.time()
hd = os.path.join(a.data, enc(a.domain))
os.makedirs(os.path.join(hd, "accounts"), exist_ok=True)
if a.roster:
    os.makedirs(os.path.join(hd, "roster"), exist_ok=True)
half = a.roster // 2
for n in range(a.count):
    u = a.user_fmt % (a.first + n)
    pw = (a.password % (a.first + n)) if "%" in a.password else a.password
    with open(os.path.join(hd, "accounts", enc(u) + ".dat"), "w") as f:
        f.write('return {\n%s};\n' % account(pw))
    if a.roster:
        lines = ['return {\n\t[false] = {\n\t\t["version"] = 1;\n\t\t["pending"] = {};\n\t};\n']
        for d in list(range(-half, 0)) + list(range(1, half + 1)):
            c = a.user_fmt % (a.first + (n + d) % a.count)
            lines.append('\t["%s@%s"] = {\n\t\t["subscription"] = "both";\n\t\t["groups"] = {};\n'
                         '\t\t["name"] = "%s";\n\t};\n' % (c, a.domain, c))
        lines.append("};\n")
        with open(os.path.join(hd, "roster", enc(u) + ".dat"), "w") as f:
            f.write("".join(lines))
print("provisioned %d users (%d roster items) in %.2f s" % (a.count, a.count * a.roster, time.time() - t0))

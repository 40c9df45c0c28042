"""What pulls bytes into a wasm module: code bytes per Rust crate (from the
name section, so run it on cargo's output before wasm-opt strips names, e.g.
target/wasm32-unknown-unknown/wasm-release/slicewise_engine_worker.wasm) and
the largest functions. A generic function counts for the crate that defines
it, wherever it was instantiated.
Usage: wasm_crates.py MODULE.wasm [TOP]"""
import sys, re, collections

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i

data = open(sys.argv[1], 'rb').read()
top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
i = 8; imports = 0; bodies = []; names = {}; sections = collections.Counter()
while i < len(data):
    sid = data[i]; i += 1
    size, i = leb(data, i); end = i + size
    if sid == 2:
        n, j = leb(data, i)
        for _ in range(n):
            l, j = leb(data, j); j += l
            l, j = leb(data, j); j += l
            kind = data[j]; j += 1
            if kind == 0: _, j = leb(data, j); imports += 1
            elif kind == 1: j += 1; f, j = leb(data, j); _, j = leb(data, j); j = j if not (f & 1) else leb(data, j)[1]
            elif kind == 2: f, j = leb(data, j); _, j = leb(data, j); j = j if not (f & 1) else leb(data, j)[1]
            elif kind == 3: j += 2
            else: j += 1; _, j = leb(data, j)
    if sid == 10:
        n, j = leb(data, i)
        for _ in range(n):
            l, j = leb(data, j); bodies.append(l); j += l
    if sid == 0:
        l, j = leb(data, i); name = data[j:j+l].decode(); j += l
        sections['custom:' + name] += size
        if name == 'name':
            while j < end:
                sub = data[j]; j += 1
                ss, j = leb(data, j); se = j + ss
                if sub == 1:
                    n, k = leb(data, j)
                    for _ in range(n):
                        idx, k = leb(data, k); l, k = leb(data, k)
                        names[idx] = data[k:k+l].decode('utf-8', 'replace'); k += l
                j = se
    else:
        sections[sid] += size
    i = end

def crate(sym):
    s = sym.replace('$LT$', '<').replace('$GT$', '>').replace('$u20$', ' ').replace('..', '::')
    m = re.findall(r'([a-z_][a-z0-9_]*)::', s)
    for c in m:
        if c not in ('as', 'impl', 'core', 'alloc', 'std', '_ZN', 'zn') and not c.startswith('_'):
            return c
    for c in m:
        if c in ('core', 'alloc', 'std'): return c
    return '?'

def demangle_legacy(sym):
    if sym.startswith('_R'):
        # v0 mangling (std's precompiled code): the first crate root is
        # `C` + optional `s<disambiguator>_` + <length><name>.
        m = re.search(r'C(?:s[0-9A-Za-z]*_)?(\d+)', sym)
        if m:
            start = m.end(); name = sym[start:start + int(m.group(1))]
            return name + '::' + sym
        return sym
    if not sym.startswith('_ZN'): return sym
    i = 3; parts = []
    while i < len(sym) and sym[i].isdigit():
        j = i
        while sym[j].isdigit(): j += 1
        l = int(sym[i:j]); parts.append(sym[j:j+l]); i = j + l
    return '::'.join(parts)

per = collections.Counter(); count = collections.Counter(); big = []
for k, size in enumerate(bodies):
    name = demangle_legacy(names.get(imports + k, '?'))
    c = crate(name); per[c] += size; count[c] += 1; big.append((size, name))
total = sum(bodies)
print(f"code {total/1e6:.2f} MB in {len(bodies)} functions; data {sections[11]/1e6:.2f} MB")
for c, s in per.most_common(top):
    print(f"{s/1e3:9.1f} KB {100*s/total:5.1f}% {count[c]:6d} fns  {c}")
print("largest functions:")
for s, n in sorted(big, reverse=True)[:25]:
    print(f"{s/1e3:8.1f} KB  {n[:150]}")

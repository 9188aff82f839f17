"""Parcel layout: a warped, jittered rectilinear field grid of roads, fields and narrow strips.

Grid space (u, v) is in metres around the district centre. Columns and rows have variable widths:
road lines (8 m, or 20 m for a highway), field columns (25-50 m), field rows (40-80 m) and narrow rows
(3-5 m: ditches / field ridges). A *superblock* is the set of cells between two road lines. Each parcel
is a rectangle of cells [i0, i1) x [j0, j1) in index space; its ring walks through every grid vertex
along its boundary, so neighbours share identical vertices and the coverage is noded by construction.
"""
import math

import numpy as np

from . import landuse as LU


def _axis(rng, lo, hi, rows):
    widths, types, highway = [], [], []

    def add(w, t, hw=False):
        widths.append(w); types.append(t); highway.append(hw)

    pos = lo
    while True:
        hw = rng.random() < 0.15
        w = 20.0 if hw else float(rng.uniform(6.5, 9.0))
        add(w, 1, hw); pos += w
        if pos >= hi:
            break
        if rows:
            m = int(rng.integers(3, 7))
            for t in range(m):
                h = float(rng.uniform(40, 80)); add(h, 0); pos += h
                if t % 2 == 1 and t != m - 1:
                    h = float(rng.uniform(3, 5)); add(h, 2); pos += h
        else:
            for _ in range(int(rng.integers(4, 8))):
                w = float(rng.uniform(25, 50)); add(w, 0); pos += w
    w = np.array(widths)
    edges = lo + np.concatenate([[0.0], np.cumsum(w)])
    return edges, np.array(types, dtype=np.int8), np.array(highway, dtype=bool), w


class Shape:
    """Irregular star-shaped district outline: d(u, v) = r / R(theta); inside when d <= 1."""

    def __init__(self, rng, r0):
        self.r0 = r0
        self.k = np.arange(2, 6)
        self.a = rng.uniform(0.03, 0.085, size=4)
        self.ph = rng.uniform(0, 2 * math.pi, size=4)
        self.stretch = float(rng.uniform(1.0, 1.3))

    def d(self, u, v):
        u = np.asarray(u, dtype=float) / self.stretch
        v = np.asarray(v, dtype=float) * self.stretch
        th = np.arctan2(v, u)
        rr = self.r0 * (1 + np.sum(self.a[:, None] * np.cos(self.k[:, None] * th.ravel()[None, :] + self.ph[:, None]), axis=0))
        return np.hypot(u, v) / rr.reshape(th.shape)


def _farthest_points(pts, n, rng):
    if len(pts) <= n:
        return pts.copy()
    first = int(rng.integers(len(pts)))
    chosen = [first]
    dmin = np.hypot(pts[:, 0] - pts[first, 0], pts[:, 1] - pts[first, 1])
    for _ in range(n - 1):
        nxt = int(np.argmax(dmin))
        chosen.append(nxt)
        dmin = np.minimum(dmin, np.hypot(pts[:, 0] - pts[nxt, 0], pts[:, 1] - pts[nxt, 1]))
    return pts[chosen]


def _nearest(pts, centers, chunk=20000):
    out = np.empty(len(pts), dtype=np.int32)
    dist = np.empty(len(pts))
    for s in range(0, len(pts), chunk):
        p = pts[s:s + chunk]
        dd = (p[:, None, 0] - centers[None, :, 0]) ** 2 + (p[:, None, 1] - centers[None, :, 1]) ** 2
        out[s:s + chunk] = np.argmin(dd, axis=1)
        dist[s:s + chunk] = np.sqrt(dd[np.arange(len(p)), out[s:s + chunk]])
    return out, dist


class Layout:
    pass


def build(seed, r0, n_villages, hole_rate=0.02, small=False):
    """Build the grid, classes and parcel descriptors for a district of nominal radius r0 (m)."""
    rng = np.random.default_rng([seed, 1])
    L = Layout()
    L.shape = Shape(rng, r0)
    reach = r0 * (1 + L.shape.a.sum()) * 1.03 + 150.0   # max radius of the outline, plus a block
    ex, tx, hx, wx = _axis(rng, -reach * L.shape.stretch, reach * L.shape.stretch, rows=False)
    ey, ty, hy, wy = _axis(rng, -reach / L.shape.stretch, reach / L.shape.stretch, rows=True)
    L.ex, L.ey, L.tx, L.ty, L.hx, L.hy = ex, ey, tx, ty, hx, hy
    nx, ny = len(wx), len(wy)
    L.nx, L.ny = nx, ny

    # --- vertex jitter (bounded so every cell stays a simple, near-rectangular quad)
    def caps(w):
        left = np.concatenate([[w[0]], w]); right = np.concatenate([w, [w[-1]]])
        return np.minimum(4.0, 0.2 * np.minimum(left, right))
    cx, cy = caps(wx), caps(wy)
    L.U = ex[:, None] + rng.uniform(-1, 1, (nx + 1, ny + 1)) * cx[:, None]
    L.V = ey[None, :] + rng.uniform(-1, 1, (nx + 1, ny + 1)) * cy[None, :]

    # --- superblocks between road lines
    rx = np.flatnonzero(tx == 1); ry = np.flatnonzero(ty == 1)
    L.rx, L.ry = rx, ry
    nbx, nby = len(rx) - 1, len(ry) - 1
    bk, bm = np.meshgrid(np.arange(nbx), np.arange(nby), indexing="ij")
    bk = bk.ravel(); bm = bm.ravel()
    u0 = ex[rx[bk]]; u1 = ex[rx[bk + 1] + 1]; v0 = ey[ry[bm]]; v1 = ey[ry[bm + 1] + 1]
    corners_d = np.stack([L.shape.d(u0, v0), L.shape.d(u1, v0), L.shape.d(u0, v1), L.shape.d(u1, v1),
                          L.shape.d((u0 + u1) / 2, (v0 + v1) / 2)])
    cand = corners_d.min(axis=0) < 1.02
    bk, bm = bk[cand], bm[cand]
    u0, u1, v0, v1 = u0[cand], u1[cand], v0[cand], v1[cand]
    nsb = len(bk)
    L.sb_k, L.sb_m = bk, bm
    area = (u1 - u0) * (v1 - v0)
    centers = np.stack([(u0 + u1) / 2, (v0 + v1) / 2], axis=1)
    L.sb_center = centers
    dc = L.shape.d(centers[:, 0], centers[:, 1])
    inner = centers[dc < 0.8] if np.any(dc < 0.8) else centers
    area_km2 = math.pi * r0 * r0 / 1e6

    # --- cluster centres and village seeds
    L.village_seeds = _farthest_points(inner, n_villages, rng)
    n_ind = max(1, round(area_km2 / 30)); n_urb = max(1, round(area_km2 / 60)); n_hill = max(1, round(area_km2 / 40))
    perm = rng.permutation(len(inner))
    ind_c = inner[perm[:n_ind]]
    if small:  # a small district keeps its industrial cluster away from the trimmed edge
        dci = L.shape.d(inner[:, 0], inner[:, 1])
        mid = inner[dci < 0.55] if np.any(dci < 0.55) else inner
        ind_c = mid[int(rng.integers(len(mid)))][None, :]
    urb_c = inner[perm[n_ind:n_ind + n_urb]] if len(inner) > n_ind else inner[:1]
    hill_c = _farthest_points(inner, n_hill, rng) if n_hill > 1 else inner[perm[-1:]]
    L.ind_centers, L.urb_centers = ind_c, urb_c

    # --- classes by area quota: industrial, urban, village settlements, forest, water, rest farmland
    cls = np.full(nsb, LU.FARM, dtype=np.int8)
    free = np.ones(nsb, dtype=bool)
    total = area[dc < 1.0].sum() if np.any(dc < 1.0) else area.sum()
    noise = rng.uniform(0.85, 1.15, nsb)
    for c, cc, quota in ((LU.IND, ind_c, 0.28 if small else 0.20), (LU.URBAN, urb_c, 0.07), (LU.VILLAGE, L.village_seeds, 0.13),
                         (LU.FOREST, hill_c, 0.19), (LU.WATER, None, 0.05)):
        if cc is None:
            score = rng.uniform(0, 1, nsb)
        else:
            score = _nearest(centers, cc)[1] * noise
        score = np.where(free, score, np.inf)
        order = np.argsort(score, kind="stable")
        inside = dc[order] < 1.0
        acc = np.cumsum(np.where(inside, area[order], 0.0))
        take = order[(acc <= quota * total) & np.isfinite(score[order])]
        if len(take) == 0:
            take = order[:1]
        cls[take] = c; free[take] = False
    L.sb_cls = cls
    L.sb_village = _nearest(centers, L.village_seeds)[0]

    # --- parcels
    P = {k: [] for k in ("i0", "i1", "j0", "j1", "lu", "sb", "kind", "grp")}
    holes = []  # (host parcel index, i, j, nverts, rot, seedfloat)

    def add(i0, i1, j0, j1, code, sb, kind=0, grp=-1):
        P["i0"].append(i0); P["i1"].append(i1); P["j0"].append(j0); P["j1"].append(j1)
        P["lu"].append(LU.IDX[code]); P["sb"].append(sb); P["kind"].append(kind); P["grp"].append(grp)
        return len(P["i0"]) - 1

    def pick(codes, weights):
        return codes[int(np.searchsorted(np.cumsum(weights), rng.random() * sum(weights)))]

    grp = 0
    nbx_last = nbx - 1; nby_last = nby - 1
    farm_codes = ["0101", "0102", "0103"]
    # iterate blocks in row-major order (south to north, west to east) so BSMs run in bands
    order = np.lexsort((bk, bm))
    for s in order:
        k, m = int(bk[s]), int(bm[s]); c = int(cls[s])
        built = c in (LU.IND, LU.URBAN, LU.VILLAGE)
        # roads owned by this block: the column road on its left (and right when last), the row road below (and above)
        jlo = ry[m]; jhi = ry[m + 1] + (1 if m == nby_last else 0)
        for ci in ([rx[k], rx[k + 1]] if k == nbx_last else [rx[k]]):
            code = "1003" if hx[ci] else ("1004" if built else "1006")
            add(ci, ci + 1, jlo, jhi, code, s)
        for rj in ([ry[m], ry[m + 1]] if m == nby_last else [ry[m]]):
            code = "1003" if hy[rj] else ("1004" if built else "1006")
            add(rx[k] + 1, rx[k + 1], rj, rj + 1, code, s)
        cols = list(range(rx[k] + 1, rx[k + 1]))
        rows = list(range(ry[m] + 1, ry[m + 1]))
        if c == LU.FARM:
            r = rng.random()
            base = "0101" if r < 0.7 else ("0103" if r < 0.9 else "0102")
            for j in rows:
                if ty[j] == 2:
                    add(cols[0], cols[-1] + 1, j, j + 1, "1107" if rng.random() < 0.6 else "1203", s)
                    continue
                h = wy[j]
                ii = 0
                while ii < len(cols):
                    i = cols[ii]
                    r = rng.random()
                    if r < 0.03:
                        add(i, i + 1, j, j + 1, "1104", s); ii += 1; continue
                    if r < 0.055:
                        add(i, i + 1, j, j + 1, "1202", s); ii += 1; continue
                    if r < 0.075:
                        add(i, i + 1, j, j + 1, "0201", s); ii += 1; continue
                    code = base if rng.random() < 0.88 else farm_codes[int(rng.integers(3))]
                    if r < 0.075 + hole_rate and wx[i] >= 35 and h >= 50:
                        host = add(i, i + 1, j, j + 1, code, s, kind=1)
                        pond = add(i, i + 1, j, j + 1, "1104", s, kind=2)
                        holes.append((host, pond, i, j, int(rng.integers(6, 10)), float(rng.uniform(0, 2 * math.pi)),
                                      int(rng.integers(1 << 30))))
                        ii += 1; continue
                    if (r > 0.9 and ii + 1 < len(cols) and (wx[i] + wx[cols[ii + 1]]) * h < 6500):
                        add(i, i + 2, j, j + 1, code, s); ii += 2; continue
                    add(i, i + 1, j, j + 1, code, s); ii += 1
        else:
            codes, weights = LU.MIX[c]
            sxs, sxw, sys_, syw = LU.CHUNK[c]
            # row units: a field row plus the narrow row that follows it
            units = []
            for j in rows:
                if ty[j] == 2 and units:
                    units[-1][1] = j + 1
                else:
                    units.append([j, j + 1])
            bigarea = (ex[cols[-1] + 1] - ex[cols[0]]) * (ey[rows[-1] + 1] - ey[rows[0]])
            if c == LU.IND and bigarea < 70000 and rng.random() < 0.12:
                add(cols[0], cols[-1] + 1, rows[0], rows[-1] + 1, "0601", s, grp=grp); grp += 1
                continue
            u = 0
            while u < len(units):
                sy = min(int(sys_[int(np.searchsorted(np.cumsum(syw), rng.random()))]), len(units) - u)
                if len(units) - u - sy == 1 and c == LU.IND:
                    sy += 1  # no lonely single unit at the top of an industrial block
                j0, j1 = units[u][0], units[u + sy - 1][1]
                ii = 0
                while ii < len(cols):
                    sx = int(sxs[int(np.searchsorted(np.cumsum(sxw), rng.random()))])
                    if c == LU.IND and sy == 1 and sx == 1:
                        sx = 2
                    sx = min(sx, len(cols) - ii)
                    if len(cols) - ii - sx == 1 and c in (LU.IND, LU.URBAN):
                        sx += 1
                    code = pick(codes, weights)
                    if code in LU.FARMLAND:   # a field left inside a built-up block: one column, one row unit
                        add(cols[ii], cols[ii] + 1, j0, j1, code, s)
                        ii += 1
                        continue
                    if c == LU.IND and sy == 1 and sx == 2:
                        sx = 3
                    sx = min(sx, len(cols) - ii)
                    add(cols[ii], cols[ii] + sx, j0, j1, code, s, grp=grp)
                    ii += sx
                grp += 1
                u += sy
    L.P = {k: np.array(v, dtype=np.int32) for k, v in P.items()}
    L.holes = holes
    # parcel centres in grid space (pre-jitter) for the district trim
    i0, i1, j0, j1 = (L.P[k] for k in ("i0", "i1", "j0", "j1"))
    L.pu = (ex[i0] + ex[i1]) / 2; L.pv = (ey[j0] + ey[j1]) / 2
    L.pd = L.shape.d(L.pu, L.pv)
    return L


def grow(L, n):
    """Choose n parcels: grow from the most central parcel through shared edges, always taking the
    frontier parcel with the smallest d, so the district is edge-connected and follows the outline.
    A parcel with a hole brings its pond (both or neither)."""
    import heapq
    P = L.P
    i0, i1, j0, j1, kind = P["i0"], P["i1"], P["j0"], P["j1"], P["kind"]
    body = np.flatnonzero(kind != 2)
    ncell = (i1[body] - i0[body]) * (j1[body] - j0[body])
    rep = np.repeat(np.arange(len(body)), ncell)
    off = np.arange(ncell.sum()) - np.repeat(np.cumsum(ncell) - ncell, ncell)
    hgt = (j1 - j0)[body][rep]
    ci = i0[body][rep] + off // hgt
    cj = j0[body][rep] + off % hgt
    owner = np.full((L.nx, L.ny), -1, dtype=np.int64)
    owner[ci, cj] = body[rep]
    a = np.concatenate([owner[:-1, :].ravel(), owner[:, :-1].ravel()])
    b = np.concatenate([owner[1:, :].ravel(), owner[:, 1:].ravel()])
    m = (a >= 0) & (b >= 0) & (a != b)
    a, b = a[m], b[m]
    a, b = np.concatenate([a, b]), np.concatenate([b, a])
    key = np.unique(a * (len(kind) + 1) + b)
    a = key // (len(kind) + 1); b = key % (len(kind) + 1)
    start = np.searchsorted(a, np.arange(len(kind) + 1))
    d = L.pd
    nbr_b = b.tolist(); st = start.tolist(); dl = d.tolist(); kl = kind.tolist()
    first = int(body[np.argmin(d[body])])
    heap = [(dl[first], first)]
    seen = {first}
    chosen = []
    while heap and len(chosen) < n:
        _, p = heapq.heappop(heap)
        if kl[p] == 1:
            if len(chosen) + 2 > n:
                continue
            chosen += [p, p + 1]
        else:
            chosen.append(p)
        for q in nbr_b[st[p]:st[p + 1]]:
            if q not in seen:
                seen.add(q)
                heapq.heappush(heap, (dl[q], q))
    return np.sort(np.array(chosen, dtype=np.int64))

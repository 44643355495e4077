// node:test suite of the JS API (wasm/fontgan.js) over the built module (wasm/dist/).
// Run: npm test (in wasm/) or node --test wasm/test/
//
// Fixtures: tests/fixtures/<name>_z.f32, <name>_out.f32, <name>.json (PyTorch outputs, committed) and the
// blobs the native build makes from them: $FONTGAN_BUILD_DIR/fixtures/{small,full}_{f32,f16,q8}.bin
// (default build dir: <repo>/build; `cmake --build build --target fixture_blobs` makes them).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadFontGAN, FontGAN } from '../fontgan.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = path.join(REPO, 'tests', 'fixtures');
const BUILD = process.env.FONTGAN_BUILD_DIR ? path.resolve(process.env.FONTGAN_BUILD_DIR) : path.join(REPO, 'build');

// The same promise as native: f32 matches PyTorch to 1e-5 absolute. f16 and q8 store weights with less
// precision; these bounds sit well above the converter's measured error (f16 ~1e-4, q8 ~2e-3 max on the
// full model) and well below anything visible (the output spans 2.0).
const TOLERANCE = { f32: 1e-5, f16: 2e-3, q8: 3e-2 };

function readF32(file) {
    const bytes = fs.readFileSync(file);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function blobPath(name, dtype) {
    const file = path.join(BUILD, 'fixtures', `${name}_${dtype}.bin`);
    if (!fs.existsSync(file))
        throw new Error(`missing ${file}: build the native tree first (cmake -B build && cmake --build build --target fixture_blobs), or set FONTGAN_BUILD_DIR`);
    return file;
}

function blob(name, dtype) {
    return new Uint8Array(fs.readFileSync(blobPath(name, dtype)));
}

function maxAbsDiff(a, b) {
    assert.equal(a.length, b.length, 'lengths differ');
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
}

const fixture = (name) => {
    const meta = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
    return { meta, z: readF32(path.join(FIXTURES, meta.z)), out: readF32(path.join(FIXTURES, meta.out)) };
};

// ---------------------------------------------------------------------------------------------------

test('the baked-in default model loads and describes itself', async () => {
    const gan = await loadFontGAN();
    assert.ok(gan instanceof FontGAN);
    assert.ok(gan.latentDim > 0 && gan.width > 0 && gan.height > 0);
    assert.ok(gan.chars.length > 0, 'the default model has a glyph map');
    assert.equal(new Set(gan.chars).size, gan.chars.length, 'characters are unique');
    const ch = gan.chars[0];
    const z = gan.latent(ch);
    assert.ok(z instanceof Float32Array);
    assert.equal(z.length, gan.latentDim);
    z.fill(123);  // a copy: changing it leaves the map alone
    assert.notEqual(gan.latent(ch)[0], 123);
    const img = gan.generate(gan.latent(ch));
    assert.equal(img.length, gan.width * gan.height);
    for (const v of img) assert.ok(v >= gan.outMin && v <= gan.outMax, `pixel ${v} outside the output range`);
});

for (const name of ['small', 'full']) {
    for (const dtype of ['f32', 'f16', 'q8']) {
        test(`generate matches PyTorch: ${name} ${dtype} (tolerance ${TOLERANCE[dtype]})`, async () => {
            const { meta, z, out } = fixture(name);
            const gan = await loadFontGAN({ weights: blob(name, dtype) });
            assert.equal(gan.latentDim, meta.latent);
            assert.equal(gan.width * gan.height, meta.pixels);
            assert.equal(gan.dtype, dtype);
            const got = gan.generate(z);
            assert.equal(got.length, meta.n * meta.pixels);
            const err = maxAbsDiff(got, out);
            assert.ok(err <= TOLERANCE[dtype], `max abs error ${err} > ${TOLERANCE[dtype]}`);
            gan.dispose();
        });
    }
}

test('weights load from an ArrayBuffer, a Uint8Array and a URL string alike', async () => {
    const { z } = fixture('full');
    const bytes = blob('full', 'f32');
    const fromUint8 = (await loadFontGAN({ weights: bytes })).generate(z);
    const fromBuffer = (await loadFontGAN({ weights: bytes.slice().buffer })).generate(z);
    const fromUrl = (await loadFontGAN({ weights: pathToFileURL(blobPath('full', 'f32')).href })).generate(z);
    assert.deepEqual(fromBuffer, fromUint8);
    assert.deepEqual(fromUrl, fromUint8);
});

test('a batch equals the same latents run one by one', async () => {
    const { meta, z } = fixture('full');
    const gan = await loadFontGAN({ weights: blob('full', 'f32') });
    const dim = gan.latentDim, pixels = meta.pixels;
    const batch = gan.generate(z);
    for (let i = 0; i < meta.n; i++) {
        const single = gan.generate(z.slice(i * dim, (i + 1) * dim));
        const err = maxAbsDiff(single, batch.subarray(i * pixels, (i + 1) * pixels));
        assert.ok(err <= 1e-6, `latent ${i}: batch and single differ by ${err}`);
    }
});

test('generate fills `out` in place and returns it', async () => {
    const { meta, z } = fixture('full');
    const gan = await loadFontGAN({ weights: blob('full', 'f32') });
    const expected = gan.generate(z);
    const out = new Float32Array(meta.n * meta.pixels + 5).fill(7);
    const result = gan.generate(z, out);
    assert.equal(result, out, 'returns the same array');
    assert.deepEqual(out.subarray(0, expected.length), expected);
    assert.equal(out[out.length - 1], 7, 'values past the result are untouched');
    // Reusing the buffer across calls allocates nothing: the same object keeps coming back.
    for (let i = 0; i < 3; i++) assert.equal(gan.generate(z, out), out);
    assert.throws(() => gan.generate(z, new Float32Array(10)), RangeError);
    assert.throws(() => gan.generate(z, new Float64Array(expected.length)), RangeError);
});

test('interpolate at t=0 and t=1 gives the endpoints, for characters and latents, lerp and slerp', async () => {
    const gan = await loadFontGAN();
    const [a, b] = [gan.chars[0], gan.chars[gan.chars.length - 1]];
    const za = gan.latent(a), zb = gan.randomLatent(42);
    const ia = gan.generate(za), ib = gan.generate(zb);
    for (const mode of ['lerp', 'slerp']) {
        assert.ok(maxAbsDiff(gan.interpolate(a, zb, 0, { mode }), ia) <= 1e-5, `${mode} t=0`);
        assert.ok(maxAbsDiff(gan.interpolate(a, zb, 1, { mode }), ib) <= 1e-5, `${mode} t=1`);
        assert.ok(maxAbsDiff(gan.interpolate(za, b, 0, { mode }), ia) <= 1e-5, `${mode} latent t=0`);
        const mid = gan.interpolate(a, zb, 0.5, { mode });
        assert.ok(maxAbsDiff(mid, ia) > 1e-3 && maxAbsDiff(mid, ib) > 1e-3, `${mode} t=0.5 is neither endpoint`);
    }
    // mix() at 0.5 with lerp is the midpoint; the image of mix() is what interpolate() draws.
    const m = gan.mix(za, zb, 0.5, { mode: 'lerp' });
    for (let i = 0; i < gan.latentDim; i++) assert.ok(Math.abs(m[i] - (za[i] + zb[i]) / 2) <= 1e-6);
    assert.ok(maxAbsDiff(gan.generate(gan.mix(a, zb, 0.3)), gan.interpolate(a, zb, 0.3)) <= 1e-6);
    const out = new Float32Array(gan.width * gan.height);
    assert.equal(gan.interpolate(a, b, 0.25, { out }), out);
});

test('bad input gets TypeError / RangeError / Error, and the instance keeps working', async () => {
    const { z, out } = fixture('full');
    const gan = await loadFontGAN({ weights: blob('full', 'f32') });
    const dim = gan.latentDim;
    const nan = z.slice(0, dim); nan[5] = NaN;
    const inf = z.slice(0, dim); inf[0] = -Infinity;
    const cases = [
        [() => gan.generate([1, 2, 3]), TypeError, /Float32Array/],
        [() => gan.generate(new Float64Array(dim)), TypeError, /Float32Array/],
        [() => gan.generate(new Float32Array(dim + 1)), RangeError, /multiple of latentDim/],
        [() => gan.generate(new Float32Array(0)), RangeError, /multiple of latentDim/],
        [() => gan.generate(nan), RangeError, /NaN/],
        [() => gan.generate(inf), RangeError, /Infinity/],
        [() => gan.latent('\u2603'), Error, /not in the glyph map/],
        [() => gan.interpolate(z.slice(0, dim), z.slice(dim, 2 * dim), 1.5), RangeError, /t must be/],
        [() => gan.interpolate(z.slice(0, dim), z.slice(dim, 2 * dim), -0.1), RangeError, /t must be/],
        [() => gan.interpolate(z.slice(0, dim), z.slice(dim, 2 * dim), NaN), RangeError, /t must be/],
        [() => gan.interpolate(z.slice(0, dim), z.slice(dim, 2 * dim), 0.5, { mode: 'cubic' }), RangeError, /mode/],
        [() => gan.interpolate(z.slice(0, dim - 1), z.slice(dim, 2 * dim), 0.5), RangeError, /multiple of latentDim/],
        [() => gan.interpolate(z.slice(0, 2 * dim), z.slice(dim, 2 * dim), 0.5), RangeError, /exactly latentDim/],
        [() => gan.interpolate(nan, z.slice(dim, 2 * dim), 0.5), RangeError, /NaN/],
        [() => gan.randomLatent(-1), RangeError, /seed/],
        [() => gan.randomLatent(1.5), RangeError, /seed/],
        [() => gan.nearest(new Float32Array(3)), RangeError, /latentDim/],
        [() => gan.createBatch(0), RangeError, /capacity/],
    ];
    for (const [call, type, message] of cases) {
        assert.throws(call, (e) => e instanceof type && message.test(e.message), `expected ${type.name} ${message}`);
        // still working, still right
        assert.ok(maxAbsDiff(gan.generate(z), out) <= TOLERANCE.f32);
    }
});

test('a bad blob is refused with a TypeError that says why; other instances keep working', async () => {
    const gan = await loadFontGAN({ weights: blob('small', 'f32') });
    const { z, out } = fixture('small');
    const good = blob('full', 'f32');
    const truncated = good.slice(0, good.length - 100);
    const flipped = good.slice(); flipped[Math.floor(flipped.length / 2)] ^= 0x40;
    const junk = new TextEncoder().encode('this is not a fontgan blob, not even close'.repeat(10));
    for (const [what, bytes] of [['truncated', truncated], ['flipped byte', flipped], ['junk', junk], ['empty', new Uint8Array(0)]]) {
        await assert.rejects(loadFontGAN({ weights: bytes }), (e) => e instanceof TypeError && /bad weights blob: blob:/.test(e.message), what);
        assert.ok(maxAbsDiff(gan.generate(z), out) <= TOLERANCE.f32, `after ${what}`);
    }
    await assert.rejects(loadFontGAN({ weights: 42 }), TypeError);
    await assert.rejects(loadFontGAN({ weights: pathToFileURL(path.join(BUILD, 'no-such-blob.bin')).href }), /ENOENT|no such file/);
    await assert.rejects(loadFontGAN('weights.bin'), TypeError);
});

test('the glyph map: nearest(latent(c)) is c; seeded latents are deterministic N(0,1)', async () => {
    const gan = await loadFontGAN();
    for (const ch of gan.chars) assert.equal(gan.nearest(gan.latent(ch)), ch);
    assert.equal(gan.indexOf(gan.chars[0]), 0);
    assert.equal(gan.indexOf('\u2603'), -1);
    assert.deepEqual(gan.randomLatent(7), gan.randomLatent(7));
    assert.notDeepEqual(gan.randomLatent(7), gan.randomLatent(8));
    let sum = 0, sq = 0, n = 0;
    for (let seed = 0; seed < 200; seed++) for (const v of gan.randomLatent(seed)) { sum += v; sq += v * v; n++; }
    const mean = sum / n, sd = Math.sqrt(sq / n - mean * mean);
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(sd - 1) < 0.05, `mean ${mean}, sd ${sd}`);
    const out = new Float32Array(gan.latentDim);
    assert.equal(gan.randomLatent(3, out), out);
});

test('GlyphBatch works in the wasm heap and its views survive memory growth', async () => {
    const { meta, z, out } = fixture('full');
    const gan = await loadFontGAN({ weights: blob('full', 'f32') });
    const dim = gan.latentDim, pixels = meta.pixels;
    const batch = gan.createBatch(meta.n);
    const before = batch.z;
    batch.z.set(z);
    batch.run();
    assert.ok(maxAbsDiff(batch.images.subarray(0, meta.n * pixels), out) <= TOLERANCE.f32);

    // Force the wasm memory to grow: a batch big enough that the generator's scratch cannot fit.
    const big = new Float32Array(3000 * dim);
    for (let i = 0; i < 3000; i++) big.set(z.subarray((i % meta.n) * dim, (i % meta.n + 1) * dim), i * dim);
    const bigOut = gan.generate(big);
    assert.ok(maxAbsDiff(bigOut.subarray(2999 * pixels), out.subarray((2999 % meta.n) * pixels, (2999 % meta.n + 1) * pixels)) <= TOLERANCE.f32);
    assert.equal(before.length, 0, 'the old view was detached: the memory did grow');
    assert.equal(batch.z.length, meta.n * dim, 'batch.z is re-taken after growth');
    batch.z.fill(0);
    for (let i = 0; i < meta.n; i++) batch.set(i, z.subarray(i * dim, (i + 1) * dim));
    batch.run();
    assert.ok(maxAbsDiff(batch.images.subarray(0, meta.n * pixels), out) <= TOLERANCE.f32);

    // mix() into a slot equals interpolate()
    batch.mix(0, z.subarray(0, dim), z.subarray(dim, 2 * dim), 0.4, 'slerp');
    batch.run(1);
    const expected = gan.interpolate(z.slice(0, dim), z.slice(dim, 2 * dim), 0.4, { mode: 'slerp' });
    assert.ok(maxAbsDiff(batch.images.subarray(0, pixels), expected) <= 1e-6);
    assert.throws(() => batch.run(meta.n + 1), RangeError);
    assert.throws(() => batch.set(meta.n, z.subarray(0, dim)), RangeError);
    batch.z[3] = NaN;
    assert.throws(() => batch.run(), RangeError);
    batch.set(0, z.subarray(0, dim));
    assert.ok(batch.run() >= 0);
});

test('draw writes glyphs into an ImageData with scale, gap and colours', async () => {
    const gan = await loadFontGAN();
    const w = gan.width, h = gan.height;
    const images = new Float32Array(2 * w * h).fill(gan.outMin);
    images[0] = gan.outMax;            // glyph 0, pixel (0, 0): full ink
    images[w * h + w - 1] = gan.outMax; // glyph 1, pixel (w-1, 0)
    const target = { width: 2 * w * 2 + 3, height: h * 2, data: new Uint8ClampedArray((2 * w * 2 + 3) * h * 2 * 4) };
    const result = gan.draw(target, images, { scale: 2, gap: 3, ink: '#ff8000', paper: '#000010' });
    assert.equal(result, target);
    const px = (x, y) => Array.from(target.data.subarray((y * target.width + x) * 4, (y * target.width + x) * 4 + 4));
    assert.deepEqual(px(0, 0), [255, 128, 0, 255]);
    assert.deepEqual(px(1, 1), [255, 128, 0, 255]);   // scaled 2x
    assert.deepEqual(px(2, 0), [0, 0, 16, 255]);      // paper
    assert.deepEqual(px(w * 2 + 1, 0), [0, 0, 16, 255]);   // the gap
    const x1 = w * 2 + 3 + (w - 1) * 2;
    assert.deepEqual(px(x1, 0), [255, 128, 0, 255]);  // glyph 1 after the gap
    assert.throws(() => gan.draw(target, images, { scale: 3 }), RangeError);
    assert.throws(() => gan.draw(target, images, { count: 3 }), RangeError);
    assert.throws(() => gan.draw({}, images), TypeError);
    assert.throws(() => gan.draw(target, images, { ink: 'chartreuse' }), TypeError);
});

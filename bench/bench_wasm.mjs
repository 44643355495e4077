// Benchmark of the WebAssembly engine in Node: time per glyph at batch 1 and batch 64, side by side.
//   node bench/bench_wasm.mjs            (needs wasm/dist/; fixture blobs from $FONTGAN_BUILD_DIR or build/)
// Rows: the baked-in default model, then the full-size fixture model in each stored dtype when its blob
// exists. Each cell is the median of several timed runs after a warm-up. The machine may be busy (the
// training job): compare ratios within one run rather than absolute numbers across runs.
// Optional: with onnxruntime-web installed (importable, or its package folder in $FONTGAN_ORT_WEB), the
// fixture's full.onnx (exported with a fixed batch of 8) runs on ORT's single-threaded wasm backend next to
// the same weights here, at that batch.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadFontGAN } from '../wasm/fontgan.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BUILD = process.env.FONTGAN_BUILD_DIR ? path.resolve(process.env.FONTGAN_BUILD_DIR) : path.join(REPO, 'build');
const REPS = Number(process.env.FONTGAN_BENCH_REPS ?? 7);
const GLYPHS_PER_REP = 256;

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

// ms per glyph for batches of `batch` latents, reusing the output buffer (the animation path): the median
// of REPS runs, and (on a busy machine closer to the undisturbed cost) the fastest single call.
function perGlyph(gan, batch) {
    const z = new Float32Array(batch * gan.latentDim);
    for (let i = 0; i < batch; i++) gan.randomLatent(1000 + i, z.subarray(i * gan.latentDim, (i + 1) * gan.latentDim));
    const out = new Float32Array(batch * gan.width * gan.height);
    const calls = Math.max(1, Math.round(GLYPHS_PER_REP / batch));
    for (let i = 0; i < calls; i++) gan.generate(z, out);  // warm-up (and the one-time scratch growth)
    const times = [];
    let best = Infinity;
    for (let r = 0; r < REPS; r++) {
        const start = performance.now();
        for (let i = 0; i < calls; i++) {
            const t0 = performance.now();
            gan.generate(z, out);
            best = Math.min(best, (performance.now() - t0) / batch);
        }
        times.push((performance.now() - start) / (calls * batch));
    }
    perGlyph.best = best;
    return median(times);
}

const rows = [['baked default', {}]];
for (const dtype of ['f32', 'f16', 'q8']) {
    const file = path.join(BUILD, 'fixtures', `full_${dtype}.bin`);
    if (fs.existsSync(file)) rows.push([`fixture full ${dtype}`, { weights: new Uint8Array(fs.readFileSync(file)) }]);
}

console.log(`fontgan wasm bench: Node ${process.version}, median of ${REPS} runs of ~${GLYPHS_PER_REP} glyphs`);
console.log('model                 dtype  blob KB   batch 1 ms/glyph (best)   batch 64 ms/glyph (best)   b1/b64   glyphs/s @64');
let baseline = null;
for (const [name, options] of rows) {
    const gan = await loadFontGAN(options);
    const b1 = perGlyph(gan, 1), b1Best = perGlyph.best, b64 = perGlyph(gan, 64), b64Best = perGlyph.best;
    baseline ??= b64;
    console.log(`${name.padEnd(21)} ${gan.dtype.padEnd(5)} ${(gan.blobSize / 1024).toFixed(0).padStart(8)}` +
                `   ${b1.toFixed(4).padStart(14)} (${b1Best.toFixed(4)})   ${b64.toFixed(4).padStart(15)} (${b64Best.toFixed(4)})` +
                `   ${(b1 / b64).toFixed(2).padStart(6)}x` +
                `   ${Math.round(1000 / b64).toLocaleString('en').padStart(12)}` +
                (baseline !== b64 ? `   (${(b64 / baseline).toFixed(2)}x the default @64)` : ''));
    gan.dispose();
}

// ---------------------------------------------------------------------------------------------------
// Optional: onnxruntime-web on the same generator (tests/fixtures/full.onnx), same batch

async function importOrt() {
    try {
        if (process.env.FONTGAN_ORT_WEB) {
            const pkg = JSON.parse(fs.readFileSync(path.join(process.env.FONTGAN_ORT_WEB, 'package.json'), 'utf8'));
            const entry = pkg.exports?.['.']?.node?.import ?? pkg.exports?.['.']?.import ?? pkg.module;
            return await import(pathToFileURL(path.join(process.env.FONTGAN_ORT_WEB, typeof entry === 'string' ? entry : entry.default)).href);
        }
        return await import('onnxruntime-web');
    } catch {
        return null;
    }
}

const ort = await importOrt();
const full = path.join(BUILD, 'fixtures', 'full_f32.bin');
if (!ort) {
    console.log('\n(onnxruntime-web not installed: npm install onnxruntime-web, or set FONTGAN_ORT_WEB, for the ORT comparison)');
} else if (fs.existsSync(full)) {
    const meta = JSON.parse(fs.readFileSync(path.join(REPO, 'tests', 'fixtures', 'full.json'), 'utf8'));
    const n = meta.n;
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(path.join(REPO, 'tests', 'fixtures', 'full.onnx'))));
    const zData = new Float32Array(n * meta.latent);
    const gan = await loadFontGAN({ weights: new Uint8Array(fs.readFileSync(full)) });
    for (let i = 0; i < n; i++) gan.randomLatent(5000 + i, zData.subarray(i * meta.latent, (i + 1) * meta.latent));
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', zData, [n, meta.latent]) };
    const calls = Math.max(1, Math.round(GLYPHS_PER_REP / n));
    for (let i = 0; i < calls; i++) await session.run(feeds);
    const ortTimes = [];
    for (let r = 0; r < REPS; r++) {
        const start = performance.now();
        for (let i = 0; i < calls; i++) await session.run(feeds);
        ortTimes.push((performance.now() - start) / (calls * n));
    }
    const ortMs = median(ortTimes);
    const oursMs = perGlyph(gan, n);
    const ortOut = (await session.run(feeds))[session.outputNames[0]].data;
    const ours = gan.generate(zData);
    let err = 0;
    for (let i = 0; i < ours.length; i++) err = Math.max(err, Math.abs(ours[i] - ortOut[i]));
    console.log(`\nonnxruntime-web ${ort.env.versions?.web ?? ''} (wasm, 1 thread) vs fontgan, full fixture f32, batch ${n}:`);
    console.log(`  onnxruntime-web ${ortMs.toFixed(4)} ms/glyph   fontgan ${oursMs.toFixed(4)} ms/glyph   ` +
                `ratio ort/fontgan ${(ortMs / oursMs).toFixed(2)}x   max |diff| ${err.toExponential(2)}`);
    let ortWasm = '?';
    try {
        const dist = process.env.FONTGAN_ORT_WEB ? path.join(process.env.FONTGAN_ORT_WEB, 'dist')
                                                 : path.dirname(fileURLToPath(import.meta.resolve('onnxruntime-web')));
        ortWasm = (fs.statSync(path.join(dist, 'ort-wasm-simd-threaded.wasm')).size / 1024).toFixed(0);
    } catch { /* layout of another ORT version */ }
    console.log(`  download: onnx model ${(fs.statSync(path.join(REPO, 'tests', 'fixtures', 'full.onnx')).size / 1024).toFixed(0)} KB + ORT wasm ${ortWasm} KB ` +
                `vs fontgan module ${(fs.statSync(fileURLToPath(new URL('../wasm/dist/fontgan_wasm.wasm', import.meta.url))).size / 1024).toFixed(0)} KB (weights included)`);
    gan.dispose();
}

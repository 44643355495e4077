// fontgan: handwriting that a GAN dreams. The JS API over the WebAssembly engine.
//
//   import { loadFontGAN } from 'fontgan';          // or a relative path to wasm/fontgan.js
//   const gan = await loadFontGAN();                 // baked-in weights
//   const img = gan.generate(gan.latent('A'));       // Float32Array(width*height) in [-1, 1]
//
// The same file runs in browsers and in Node 20: the .wasm sits next to it in dist/, found through
// import.meta.url (browsers fetch it; Node reads it with fs, since Emscripten 3.1.6's loader cannot).
// One wasm instance per JS realm is shared by every loadFontGAN() call; each FontGAN owns its own model
// and staging buffers in the wasm heap (malloc'd once, grown only for a bigger batch). Heap views are
// re-taken whenever the memory has grown, so nothing held here goes stale.
import createFontGANModule from './dist/fontgan_wasm.js';

const IS_NODE = typeof process === 'object' && process !== null && process.versions != null &&
                process.versions.node != null && typeof window === 'undefined';
const WASM_URL = new URL('./dist/fontgan_wasm.wasm', import.meta.url);

// ---------------------------------------------------------------------------------------------------
// Module instance (one per realm)

let modulePromise = null;

function loadModule() {
    if (!modulePromise) {
        modulePromise = (async () => {
            const options = {};
            if (IS_NODE) {
                const fs = await import('node:fs/promises');
                options.wasmBinary = await fs.readFile(WASM_URL);
            } else {
                options.locateFile = (name) => new URL(name, WASM_URL).href;
            }
            return createFontGANModule(options);
        })();
        modulePromise.catch(() => { modulePromise = null; });  // a failed start may be retried
    }
    return modulePromise;
}

async function readWeights(weights) {
    if (weights instanceof ArrayBuffer) return new Uint8Array(weights);
    if (weights instanceof Uint8Array) return weights;
    if (typeof weights === 'string' || weights instanceof URL) {
        const base = IS_NODE ? `file://${process.cwd()}/` : globalThis.location?.href;
        const url = new URL(String(weights), base);
        if (url.protocol === 'file:') {
            const fs = await import('node:fs/promises');
            return new Uint8Array(await fs.readFile(url));
        }
        const response = await fetch(url);
        if (!response.ok) throw new Error(`fontgan: weights ${url}: HTTP ${response.status}`);
        return new Uint8Array(await response.arrayBuffer());
    }
    throw new TypeError('fontgan: options.weights must be an ArrayBuffer, a Uint8Array or a URL string');
}

/**
 * Loads the generator. Without options.weights it uses the weights baked into the module.
 * @param {{weights?: ArrayBuffer|Uint8Array|string|URL}} [options]
 * @returns {Promise<FontGAN>}
 */
export async function loadFontGAN(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('fontgan: options must be an object');
    const bytes = options.weights === undefined ? null : await readWeights(options.weights);
    const module = await loadModule();
    return new FontGAN(module, bytes);
}

// ---------------------------------------------------------------------------------------------------
// Input checks (TypeError: wrong kind of thing; RangeError: right kind, bad value)

function checkLatents(z, dim, what) {
    if (!(z instanceof Float32Array)) throw new TypeError(`fontgan: ${what} must be a Float32Array`);
    if (z.length === 0 || z.length % dim !== 0)
        throw new RangeError(`fontgan: ${what} has ${z.length} values, not a positive multiple of latentDim ${dim}`);
    for (let i = 0; i < z.length; i++) {
        if (!Number.isFinite(z[i])) throw new RangeError(`fontgan: ${what}[${i}] is ${z[i]} (latents must be finite)`);
    }
    return z.length / dim;
}

function checkT(t) {
    if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw new RangeError(`fontgan: t must be a number in [0, 1], got ${t}`);
}

function checkMode(mode) {
    if (mode !== 'lerp' && mode !== 'slerp') throw new RangeError(`fontgan: mode must be 'lerp' or 'slerp', got ${mode}`);
    return mode === 'slerp';
}

function checkSeed(seed) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`fontgan: seed must be an integer in [0, 2^53), got ${seed}`);
}

const colorCache = new Map();
// '#rgb', '#rrggbb', '#rrggbbaa', 'transparent' or [r, g, b, a?] (0..255) -> [r, g, b, a]
function parseColor(color) {
    if (Array.isArray(color)) return [color[0] | 0, color[1] | 0, color[2] | 0, color.length > 3 ? color[3] | 0 : 255];
    let parsed = colorCache.get(color);
    if (parsed) return parsed;
    const text = String(color).trim().toLowerCase();
    if (text === 'transparent') parsed = [0, 0, 0, 0];
    else {
        let hex = /^#([0-9a-f]{3,8})$/.exec(text)?.[1];
        if (hex && (hex.length === 3 || hex.length === 4)) hex = [...hex].map((c) => c + c).join('');
        if (!hex || (hex.length !== 6 && hex.length !== 8)) throw new TypeError(`fontgan: colour ${color} is not #rgb, #rrggbb, #rrggbbaa, 'transparent' or [r,g,b,a]`);
        parsed = [0, 2, 4, 6].map((i) => (i < hex.length ? parseInt(hex.slice(i, i + 2), 16) : 255));
    }
    colorCache.set(color, parsed);
    return parsed;
}

// ---------------------------------------------------------------------------------------------------
// FontGAN: one model

export class FontGAN {
    #module; #engine;
    #dim; #pixels;
    #map;          // Float32Array(chars.length * latentDim): the glyph map, copied once at load
    #index;        // Map char -> index into chars
    #scratch = 0;  // heap address of 4 latents: a, b, mixed, query
    #zPtr = 0; #outPtr = 0; #capacity = 0;  // staging for generate()
    #images = new WeakMap();                // canvas -> reusable ImageData for draw()

    /** @internal use loadFontGAN() */
    constructor(module, bytes) {
        this.#module = module;
        const engine = new module.Engine();
        const error = bytes ? engine.load(bytes) : engine.loadDefault();
        if (error) {
            engine.delete();
            throw new TypeError(`fontgan: bad weights blob: ${error}`);
        }
        this.#engine = engine;
        this.#dim = engine.latentDim();
        this.#pixels = engine.width() * engine.height();
        /** @type {number} */ this.latentDim = this.#dim;
        /** @type {number} */ this.width = engine.width();
        /** @type {number} */ this.height = engine.height();
        /** @type {number} */ this.outMin = engine.outMin();
        /** @type {number} */ this.outMax = engine.outMax();
        /** @type {string} */ this.dtype = engine.dtype();
        /** @type {number} */ this.parameterCount = engine.parameterCount();
        /** @type {number} */ this.blobSize = engine.blobSize();
        /** @type {string} */ this.metadata = engine.metadata();
        const count = engine.glyphCount();
        const chars = [];
        for (let i = 0; i < count; i++) chars.push(String.fromCodePoint(engine.codepointAt(i)));
        /** @type {readonly string[]} */ this.chars = Object.freeze(chars);
        this.#index = new Map(chars.map((c, i) => [c, i]));
        const base = engine.glyphLatents() >> 2;
        this.#map = module.HEAPF32.slice(base, base + count * this.#dim);
        this.#scratch = module._malloc(4 * this.#dim * 4);
        Object.freeze(this);
    }

    #heap() { return this.#module.HEAPF32; }  // the module re-takes HEAPF32 on every memory growth

    #ensureCapacity(n) {
        if (n <= this.#capacity) return;
        const m = this.#module;
        const capacity = Math.max(n, this.#capacity * 2);
        const zPtr = m._malloc(capacity * this.#dim * 4), outPtr = m._malloc(capacity * this.#pixels * 4);
        if (!zPtr || !outPtr) {
            m._free(zPtr); m._free(outPtr);
            throw new RangeError(`fontgan: out of memory for a batch of ${n}`);
        }
        m._free(this.#zPtr); m._free(this.#outPtr);
        this.#zPtr = zPtr; this.#outPtr = outPtr; this.#capacity = capacity;
    }

    #run(zPtr, n, outPtr) {
        if (!this.#engine) throw new Error('fontgan: this instance was disposed');
        if (!this.#engine.generate(zPtr, n, outPtr)) throw new RangeError(`fontgan: ${this.#engine.lastError()}`);
    }

    // Writes latent `x` (a character or a Float32Array(latentDim)) at heap float index `at`.
    #put(x, at, what) {
        const heap = this.#heap(), dim = this.#dim;
        if (typeof x === 'string') {
            const map = this.#map, from = this.#charIndex(x) * dim;
            for (let k = 0; k < dim; k++) heap[at + k] = map[from + k];
        } else {
            if (checkLatents(x, dim, what) !== 1) throw new RangeError(`fontgan: ${what} must hold exactly latentDim ${dim} values`);
            heap.set(x, at);
        }
    }

    #charIndex(ch) {
        const i = this.#index.get(ch);
        if (i === undefined) {
            if (typeof ch !== 'string') throw new TypeError(`fontgan: expected a character, got ${typeof ch}`);
            throw new Error(`fontgan: character ${JSON.stringify(ch)} is not in the glyph map (it has: ${this.chars.join('')})`);
        }
        return i;
    }

    /** Index of `ch` in chars, or -1. */
    indexOf(ch) { return this.#index.get(ch) ?? -1; }

    /** A copy of the latent address of character `ch`. Throws an Error for a character not in the map. */
    latent(ch, out) {
        const i = this.#charIndex(ch), dim = this.#dim;
        const z = out ?? new Float32Array(dim);
        if (!(z instanceof Float32Array) || z.length !== dim) throw new RangeError(`fontgan: out must be a Float32Array(${dim})`);
        z.set(this.#map.subarray(i * dim, (i + 1) * dim));
        return z;
    }

    /**
     * Runs the generator on a batch: z holds n*latentDim values; returns n*width*height values in
     * [outMin, outMax] ([-1, 1] for Tanh). With `out` (a Float32Array of at least that length) the result is
     * written there and `out` is returned: nothing is allocated.
     */
    generate(z, out) {
        const n = checkLatents(z, this.#dim, 'z'), size = n * this.#pixels;
        if (out !== undefined && (!(out instanceof Float32Array) || out.length < size))
            throw new RangeError(`fontgan: out must be a Float32Array of at least ${size} values`);
        this.#ensureCapacity(n);
        this.#heap().set(z, this.#zPtr >> 2);
        this.#run(this.#zPtr, n, this.#outPtr);
        const result = out ?? new Float32Array(size);
        const heap = this.#heap();  // after the run: memory may have grown
        for (let i = 0, j = this.#outPtr >> 2; i < size; i++, j++) result[i] = heap[j];
        return result;
    }

    /**
     * The latent at fraction t between a and b (each a character or a Float32Array(latentDim)).
     * options.mode: 'slerp' (default) or 'lerp'; options.out: a Float32Array(latentDim) to fill.
     */
    mix(a, b, t, options = {}) {
        const spherical = checkMode(options.mode ?? 'slerp');
        checkT(t);
        const dim = this.#dim, s = this.#scratch >> 2;
        const out = options.out ?? new Float32Array(dim);
        if (!(out instanceof Float32Array) || out.length !== dim) throw new RangeError(`fontgan: out must be a Float32Array(${dim})`);
        this.#put(a, s, 'a');
        this.#put(b, s + dim, 'b');
        this.#engine.mix(this.#scratch, this.#scratch + dim * 4, t, spherical, this.#scratch + 2 * dim * 4);
        const heap = this.#heap();
        for (let i = 0; i < dim; i++) out[i] = heap[s + 2 * dim + i];
        return out;
    }

    /**
     * The image at fraction t between a and b (characters or latents): Float32Array(width*height).
     * options.mode: 'slerp' (default) or 'lerp'; options.out: a Float32Array(width*height) to fill.
     */
    interpolate(a, b, t, options = {}) {
        const spherical = checkMode(options.mode ?? 'slerp');
        checkT(t);
        const out = options.out ?? new Float32Array(this.#pixels);
        if (!(out instanceof Float32Array) || out.length < this.#pixels) throw new RangeError(`fontgan: out must be a Float32Array of at least ${this.#pixels} values`);
        const dim = this.#dim, s = this.#scratch;
        this.#put(a, s >> 2, 'a');
        this.#put(b, (s >> 2) + dim, 'b');
        this.#engine.mix(s, s + dim * 4, t, spherical, s + 2 * dim * 4);
        this.#ensureCapacity(1);
        this.#run(s + 2 * dim * 4, 1, this.#outPtr);
        const heap = this.#heap();
        for (let i = 0, j = this.#outPtr >> 2; i < this.#pixels; i++, j++) out[i] = heap[j];
        return out;
    }

    /** A deterministic N(0, 1) latent from an integer seed (the core's own PRNG: same on every platform). */
    randomLatent(seed, out) {
        checkSeed(seed);
        const dim = this.#dim, z = out ?? new Float32Array(dim);
        if (!(z instanceof Float32Array) || z.length !== dim) throw new RangeError(`fontgan: out must be a Float32Array(${dim})`);
        this.#engine.sampleNormal(seed, this.#scratch, dim);
        const heap = this.#heap(), s = this.#scratch >> 2;
        for (let i = 0; i < dim; i++) z[i] = heap[s + i];
        return z;
    }

    /** The mapped character whose address is nearest (Euclidean) to latent z. */
    nearest(z) {
        const s = (this.#scratch >> 2) + 3 * this.#dim;
        this.#put(z, s, 'z');
        const i = this.#engine.nearest(s << 2);
        return i < 0 ? '' : this.chars[i];
    }

    /** A batch whose latents and images live in the wasm heap: write batch.z, call run(), read batch.images. */
    createBatch(capacity) {
        if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`fontgan: batch capacity must be a positive integer, got ${capacity}`);
        return new GlyphBatch(this, this.#module, capacity, this.#dim, this.#pixels,
                              (zPtr, n, outPtr) => this.#run(zPtr, n, outPtr),
                              (x, at, what) => this.#put(x, at, what));
    }

    /**
     * Draws glyphs into an ImageData (or anything with width, height, data) or onto a canvas / 2D context.
     * images: width*height values per glyph (from generate()); options:
     *   count (all), first (0): which glyphs; columns (count): glyphs per row; scale (1): integer pixel
     *   size; gap (0): pixels between cells; x, y (0): top-left; ink ('#ffffff'), paper ('transparent'):
     *   colours as '#rgb', '#rrggbb', '#rrggbbaa', 'transparent' or [r, g, b, a].
     * A canvas gets one cached ImageData (re-made only when the drawn size changes) and putImageData.
     * Returns the ImageData written.
     */
    draw(target, images, options = {}) {
        const w = this.width, h = this.height, pixels = this.#pixels;
        if (!(images instanceof Float32Array)) throw new TypeError('fontgan: images must be a Float32Array');
        const first = options.first ?? 0;
        const count = options.count ?? Math.floor(images.length / pixels) - first;
        if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || (first + count) * pixels > images.length)
            throw new RangeError(`fontgan: images holds ${Math.floor(images.length / pixels)} glyphs; cannot draw ${count} from ${first}`);
        const columns = Math.max(1, Math.min(options.columns ?? count, count || 1));
        const scale = options.scale ?? 1, gap = options.gap ?? 0;
        if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new RangeError(`fontgan: scale must be an integer in 1..64, got ${scale}`);
        const ink = parseColor(options.ink ?? '#ffffff'), paper = parseColor(options.paper ?? 'transparent');
        const rows = Math.ceil(count / columns);
        const blockW = columns * w * scale + (columns - 1) * gap, blockH = rows * h * scale + (rows - 1) * gap;

        let image, x0 = options.x ?? 0, y0 = options.y ?? 0, context = null;
        if (target && typeof target.getContext === 'function') context = target.getContext('2d');
        else if (target && typeof target.putImageData === 'function') context = target;
        if (context) {
            const key = context.canvas ?? context;
            image = this.#images.get(key);
            if (!image || image.width !== blockW || image.height !== blockH) {
                image = context.createImageData(Math.max(1, blockW), Math.max(1, blockH));
                this.#images.set(key, image);
            }
        } else if (target && target.data && Number.isInteger(target.width) && Number.isInteger(target.height)) {
            image = target;
            if (x0 + blockW > image.width || y0 + blockH > image.height)
                throw new RangeError(`fontgan: ${blockW}x${blockH} glyphs at (${x0}, ${y0}) do not fit a ${image.width}x${image.height} ImageData`);
        } else {
            throw new TypeError('fontgan: draw target must be an ImageData, a canvas or a 2D context');
        }
        const data = image.data, stride = image.width * 4;
        const ox = context ? 0 : x0, oy = context ? 0 : y0;
        if (paper[3] > 0 || context) {  // fill the gaps too
            for (let y = 0; y < blockH; y++) {
                for (let x = 0, p = (oy + y) * stride + ox * 4; x < blockW; x++, p += 4) {
                    data[p] = paper[0]; data[p + 1] = paper[1]; data[p + 2] = paper[2]; data[p + 3] = paper[3];
                }
            }
        }
        const lo = this.outMin, range = this.outMax - this.outMin;
        for (let g = 0; g < count; g++) {
            const cx = ox + (g % columns) * (w * scale + gap), cy = oy + Math.floor(g / columns) * (h * scale + gap);
            const src = (first + g) * pixels;
            for (let py = 0; py < h; py++) {
                for (let px = 0; px < w; px++) {
                    let a = (images[src + py * w + px] - lo) / range;
                    a = a < 0 ? 0 : a > 1 ? 1 : a;
                    // ink over paper, alpha included (works for a transparent paper)
                    const ia = ink[3] * a, pa = paper[3] * (1 - a), outA = ia + pa;
                    const r = outA ? (ink[0] * ia + paper[0] * pa) / outA : 0;
                    const gg = outA ? (ink[1] * ia + paper[1] * pa) / outA : 0;
                    const b = outA ? (ink[2] * ia + paper[2] * pa) / outA : 0;
                    for (let sy = 0; sy < scale; sy++) {
                        let p = (cy + py * scale + sy) * stride + (cx + px * scale) * 4;
                        for (let sx = 0; sx < scale; sx++, p += 4) {
                            data[p] = r; data[p + 1] = gg; data[p + 2] = b; data[p + 3] = outA;
                        }
                    }
                }
            }
        }
        if (context) context.putImageData(image, x0, y0);
        return image;
    }

    /** Frees the model and the heap buffers; the instance is unusable afterwards. */
    dispose() {
        if (!this.#engine) return;
        const m = this.#module;
        m._free(this.#zPtr); m._free(this.#outPtr); m._free(this.#scratch);
        this.#engine.delete();
        this.#engine = null;
    }
}

// ---------------------------------------------------------------------------------------------------
// GlyphBatch: zero-copy batches for animation (the page's hot path)

export class GlyphBatch {
    #module; #run; #put; #zPtr; #outPtr; #dim; #pixels;
    #zView = null; #imageView = null;

    /** @internal use gan.createBatch() */
    constructor(gan, module, capacity, dim, pixels, run, put) {
        this.#module = module; this.#run = run; this.#put = put;
        this.#dim = dim; this.#pixels = pixels;
        this.gan = gan;
        this.capacity = capacity;
        this.#zPtr = module._malloc(capacity * dim * 4);
        this.#outPtr = module._malloc(capacity * pixels * 4);
        if (!this.#zPtr || !this.#outPtr) throw new RangeError(`fontgan: out of memory for a batch of ${capacity}`);
        this.lastMs = 0;
    }

    /** capacity*latentDim latents in the wasm heap. Re-read after run(): memory may have grown. */
    get z() {
        const heap = this.#module.HEAPF32;
        if (!this.#zView || this.#zView.buffer !== heap.buffer)
            this.#zView = heap.subarray(this.#zPtr >> 2, (this.#zPtr >> 2) + this.capacity * this.#dim);
        return this.#zView;
    }

    /** capacity*width*height output values in the wasm heap, written by run(). */
    get images() {
        const heap = this.#module.HEAPF32;
        if (!this.#imageView || this.#imageView.buffer !== heap.buffer)
            this.#imageView = heap.subarray(this.#outPtr >> 2, (this.#outPtr >> 2) + this.capacity * this.#pixels);
        return this.#imageView;
    }

    /** Sets latent i to a character's address or a Float32Array(latentDim). */
    set(i, latentOrChar) {
        this.#checkIndex(i);
        this.#put(latentOrChar, (this.#zPtr >> 2) + i * this.#dim, 'latent');
    }

    /** Sets latent i to the mix of a and b at t (characters or latents); mode 'slerp' (default) or 'lerp'. */
    mix(i, a, b, t, mode = 'slerp') {
        this.#checkIndex(i);
        this.gan.mix(a, b, t, { mode, out: this.#latentView(i) });
    }

    #latentViews = [];
    #latentView(i) {  // per-slot views, cached until the memory grows
        let v = this.#latentViews[i];
        if (!v || v.buffer !== this.#module.HEAPF32.buffer) {
            const z = this.z;
            v = this.#latentViews[i] = z.subarray(i * this.#dim, (i + 1) * this.#dim);
        }
        return v;
    }

    #checkIndex(i) {
        if (!Number.isInteger(i) || i < 0 || i >= this.capacity) throw new RangeError(`fontgan: batch index ${i} outside 0..${this.capacity - 1}`);
    }

    /** Generates the first n glyphs (default: all); returns (and stores in lastMs) the milliseconds taken. */
    run(n = this.capacity) {
        if (!Number.isInteger(n) || n < 1 || n > this.capacity) throw new RangeError(`fontgan: run(n) needs 1 <= n <= ${this.capacity}, got ${n}`);
        const start = performance.now();
        this.#run(this.#zPtr, n, this.#outPtr);
        this.lastMs = performance.now() - start;
        return this.lastMs;
    }

    dispose() {
        this.#module._free(this.#zPtr); this.#module._free(this.#outPtr);
        this.#zPtr = this.#outPtr = 0;
        this.capacity = 0;
    }
}

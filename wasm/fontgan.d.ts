// Types for fontgan (wasm/fontgan.js): handwriting that a GAN dreams, in WebAssembly.

export interface LoadOptions {
  /** Another weights blob (fontgan blob v1): bytes, or a URL to fetch. Default: the baked-in weights. */
  weights?: ArrayBuffer | Uint8Array | string | URL;
}

export type Mode = 'lerp' | 'slerp';
/** A latent (Float32Array of latentDim values) or a character of the glyph map. */
export type LatentLike = Float32Array | string;
/** '#rgb', '#rrggbb', '#rrggbbaa', 'transparent', or [r, g, b, a?] with 0..255 components. */
export type Colour = string | number[];

export interface MixOptions {
  /** Default 'slerp'. */
  mode?: Mode;
  out?: Float32Array;
}

export interface DrawOptions {
  /** First glyph of `images` to draw (default 0). */
  first?: number;
  /** How many glyphs (default: all from `first`). */
  count?: number;
  /** Glyphs per row (default: count, one row). */
  columns?: number;
  /** Integer size of one generator pixel (default 1): crisp nearest-neighbour scaling. */
  scale?: number;
  /** Pixels between cells (default 0). */
  gap?: number;
  /** Top-left corner in the target (default 0, 0). */
  x?: number;
  y?: number;
  /** Colour of the strokes (default '#ffffff'). */
  ink?: Colour;
  /** Colour behind them (default 'transparent'). */
  paper?: Colour;
}

export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray | Uint8Array;
}

/** Latents and images in the wasm heap, for animation without copies or allocations. */
export declare class GlyphBatch {
  readonly gan: FontGAN;
  readonly capacity: number;
  /** Milliseconds the last run() took. */
  lastMs: number;
  /** capacity * latentDim latents (a view into the wasm heap: re-read it after run()). */
  readonly z: Float32Array;
  /** capacity * width * height outputs of the last run() (a view into the wasm heap). */
  readonly images: Float32Array;
  set(index: number, latent: LatentLike): void;
  mix(index: number, a: LatentLike, b: LatentLike, t: number, mode?: Mode): void;
  /** Generates the first n glyphs (default: capacity); returns the milliseconds taken. */
  run(n?: number): number;
  dispose(): void;
}

export declare class FontGAN {
  readonly latentDim: number;
  readonly width: number;
  readonly height: number;
  /** The characters of the glyph map, in order. */
  readonly chars: readonly string[];
  /** Output range of the generator ([-1, 1] for Tanh). */
  readonly outMin: number;
  readonly outMax: number;
  /** Storage type of the weights: 'f32' | 'f16' | 'q8'. */
  readonly dtype: string;
  readonly parameterCount: number;
  readonly blobSize: number;
  /** Free-form metadata JSON from the blob. */
  readonly metadata: string;

  /** Index of ch in chars, or -1. */
  indexOf(ch: string): number;
  /** A copy of ch's latent address; throws an Error for a character not in the map. */
  latent(ch: string, out?: Float32Array): Float32Array;
  /** z: n * latentDim values -> n * width * height values in [outMin, outMax]. `out` is filled without allocating. */
  generate(z: Float32Array, out?: Float32Array): Float32Array;
  /** The latent at t in [0, 1] between a and b. */
  mix(a: LatentLike, b: LatentLike, t: number, options?: MixOptions): Float32Array;
  /** The image (width * height values) at t in [0, 1] between a and b. */
  interpolate(a: LatentLike, b: LatentLike, t: number, options?: MixOptions): Float32Array;
  /** A deterministic N(0, 1) latent from an integer seed in [0, 2^53). */
  randomLatent(seed: number, out?: Float32Array): Float32Array;
  /** The mapped character nearest to latent z. */
  nearest(z: Float32Array): string;
  createBatch(capacity: number): GlyphBatch;
  /** Draws glyphs (from generate() or a batch) into an ImageData, a canvas or a 2D context. */
  draw(target: ImageDataLike | HTMLCanvasElement | OffscreenCanvas | CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
       images: Float32Array, options?: DrawOptions): ImageDataLike;
  dispose(): void;
}

/** Loads the generator (the baked-in weights unless options.weights says otherwise). */
export declare function loadFontGAN(options?: LoadOptions): Promise<FontGAN>;

// esbuild plugins shared by esbuild.js and the benchmarks (bench/index.ts bundles undici the way the engine does).

/**
 * The token client speaks HTTP/1.1 (undici's default; allowH2 is never set). undici's h2 client still requires
 * node:http2 when it loads, which costs a CLI process about 13 ms (http2 pulls in fs/promises and readline). In the
 * engine chunk node:http2 is a module that throws, and undici falls back as it does on runtimes without http2.
 */
const withoutHttp2 = {
  name: 'without-http2',
  setup(build) {
    build.onResolve({ filter: /^(node:)?http2$/ }, () => ({ path: 'http2', namespace: 'unused' }));
    build.onLoad({ filter: /.*/, namespace: 'unused' }, () => ({
      contents: "throw new Error('node:http2 is not used by the token client');",
      loader: 'js',
    }));
  },
};

module.exports = { withoutHttp2 };

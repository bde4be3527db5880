import type { Plugin } from 'esbuild';

export declare const withoutHttp2: Plugin;

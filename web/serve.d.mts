/** Types of serve.mjs (for the e2e test and benchmarks). */
import { type Server } from "node:http";
export function serve(dir: string, port?: number): Promise<{ server: Server; url: string }>;

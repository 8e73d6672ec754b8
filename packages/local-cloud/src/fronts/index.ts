/**
 * The local fronts of AWS endpoints that clients call by URL, not through the gateway: an HTTP API
 * (`https://<id>.execute-api.<region>.amazonaws.com`), a CloudFront distribution (`https://<id>.cloudfront.net`).
 * Each front listens on its own 127.0.0.1 port; this registry hands out the ports and rewrites the fronts' AWS URLs
 * (in stack outputs, say) to their local ones.
 */

export interface FrontsOptions {
  /** The first front's port, the next ones counting up; free ports when absent. */
  readonly firstPort?: number;
}

/** A host name made of DNS labels; `*` stands for any one label (`<id>.execute-api.*.amazonaws.com`). */
function hostPattern(host: string): RegExp {
  const labels = host.toLowerCase().split('.');
  const source = labels.map((label) => (label === '*' ? '[a-z0-9-]+' : label.replace(/[^a-z0-9-]/g, '\\$&')));
  return new RegExp(`^${source.join('\\.')}$`);
}

/** An `https://<host>` URL's origin, where the host ends (a path, the end of the text, a space, a comma, a quote). */
const AWS_URL = /https:\/\/([A-Za-z0-9.-]+)(?=\/|$|\s|,|")/g;

export class Fronts {
  readonly #firstPort: number | undefined;
  #ports = 0;
  readonly #hosts: { readonly pattern: RegExp; readonly url: string }[] = [];

  constructor(options: FrontsOptions = {}) {
    this.#firstPort = options.firstPort || undefined;
  }

  /** The port for the next front to listen on: counting up from `firstPort`, or 0 (a free port) without it. */
  allocatePort(): number {
    const port = this.#firstPort === undefined ? 0 : this.#firstPort + this.#ports;
    this.#ports += 1;
    return port;
  }

  /** Registers a front: URLs of the AWS host it stands in for become its local URL (`http://127.0.0.1:<port>`). */
  register(awsHost: string, localUrl: string): void {
    this.#hosts.push({ pattern: hostPattern(awsHost), url: localUrl });
  }

  /** The local URL standing in for an AWS host, or undefined when no front does. */
  urlOf(host: string): string | undefined {
    const name = host.toLowerCase();
    return this.#hosts.find(({ pattern }) => pattern.test(name))?.url;
  }

  /** Rewrites every `https://<host>` of a registered front in the text to the front's local URL; paths stay. */
  localize(text: string): string {
    return text.replace(AWS_URL, (url, host: string) => this.urlOf(host) ?? url);
  }
}

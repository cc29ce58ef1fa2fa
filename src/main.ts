import type { Server } from 'node:http';
import { createBlog } from './blog.js';
import { ConfigError, loadConfig } from './ops/config.js';
import { createLogger, stdoutDestination } from './ops/logger.js';
import { drainableServer, gracefulShutdown } from './ops/shutdown.js';

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kubeblog: bad setting ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, stdoutDestination());
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, `uncaught exception: ${error.message}`);
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, `unhandled promise rejection: ${String((reason as Error)?.message ?? reason)}`);
    process.exit(1);
  });

  // The Kubernetes client costs about a second and 80 MB to load: only a blog that reads ConfigMaps pays.
  const kube = config.contentSources.includes('kubernetes') ? await import('./kube/kubernetes-source.js') : undefined;
  const blog = createBlog(config, {
    logger,
    ...(kube && { extraSources: (store, metrics) => kube.createKubernetesSources(config, { store, metrics, logger }) }),
  });
  try {
    await blog.start();
  } catch (error) {
    logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    await blog.stop().catch(() => undefined);
    process.exit(1);
  }

  const web = drainableServer(blog.webHandler);
  // Longer than the idle timeout of common load balancers, so they close first and never hit a closed socket.
  web.server.keepAliveTimeout = 65_000;
  web.server.headersTimeout = 66_000;
  const ops = drainableServer(blog.opsApp);
  await listen(web.server, config.port, config.host);
  await listen(ops.server, config.metricsPort, config.host);
  logger.info(
    { port: config.port, metricsPort: config.metricsPort, host: config.host, basePath: config.basePath, posts: blog.store.catalog().posts.length },
    `kubeblog listening on http://${config.host}:${config.port}${config.basePath}/`,
  );

  const shutdown = gracefulShutdown({
    connections: [web.connections, ops.connections],
    health: blog.health,
    logger,
    delaySeconds: config.shutdownDelaySeconds,
    timeoutSeconds: config.shutdownTimeoutSeconds,
    release: () => blog.stop(),
    exit: (code) => logger.flush(() => process.exit(code)),
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();

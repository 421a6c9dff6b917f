/**
 * /api/docs: the HTTP API reference, rendered by Swagger UI from /api/openapi.json. Every asset is served
 * from the swagger-ui-dist package and the initializer is a file of ours, so the page works offline and
 * under the same CSP as the console (no inline script, nothing from a CDN).
 */
import path from 'node:path';
import express, { Router } from 'express';

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Incident Workflow Engine — API reference</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="api-reference"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/initializer.js"></script>
</body>
</html>
`;

const initializer = `window.addEventListener('load', function () {
  window.SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#api-reference', deepLinking: true, tryItOutEnabled: false });
});
`;

export function apiDocsRoutes(): Router {
  const router = Router();
  const assets = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  router.get(['/api/docs', '/api/docs/'], (_req, res) => {
    res.type('html').send(page);
  });
  router.get('/api/docs/initializer.js', (_req, res) => {
    res.type('application/javascript').send(initializer);
  });
  router.use('/api/docs/assets', express.static(assets, { index: false, maxAge: '1h' }));
  return router;
}

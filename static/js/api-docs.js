"use strict";
// Swagger UI for /api/docs/ (templates/api/docs.html). Its settings come from the
// page's json_script element, so that no inline script is needed under the CSP.
(() => {
  const config = JSON.parse(document.getElementById("api-docs-config").textContent);
  const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

  // "Try it out" runs with the signed-in session; Django wants the CSRF token
  // on every other method.
  const withCsrfToken = (request) => {
    if (!SAFE_METHODS.includes((request.method || "GET").toUpperCase())) {
      request.headers[config.csrfHeader] = config.csrfToken;
    }
    return request;
  };

  window.ui = SwaggerUIBundle({
    url: config.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    // The bodies show with each operation; the long list of every component is left out.
    defaultModelsExpandDepth: -1,
    requestInterceptor: withCsrfToken,
  });
})();

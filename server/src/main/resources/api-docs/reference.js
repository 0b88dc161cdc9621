// Renders the gateway's own OpenAPI document; a script file of its own, since the page's
// Content-Security-Policy allows no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "../openapi.json",
    dom_id: "#reference",
    deepLinking: true,
    // no validator badge: it would send the document to a public validation service
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});

// Registers the portal's service worker (/sw.js), which keeps the
// last-viewed "My tickets" and ticket pages for reading offline. The
// portal works the same without it, and without JavaScript.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function (err) {
    console.warn('ticketgate: no service worker:', err);
  });
}

// Plays the HLS playlist named by the video element's data-src: with hls.js where the browser has
// Media Source Extensions, natively where it plays HLS itself (Safari, iOS). A live stream that has
// not started yet is retried every 10 seconds.
(function () {
  "use strict";
  var video = document.getElementById("player");
  if (!video || !video.dataset.src) { return; }
  var source = video.dataset.src;
  var live = video.dataset.live === "true";
  var RETRY_MS = 10000;

  function start() {
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ lowLatencyMode: live });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) { return; }
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
        hls.destroy();
        if (live) { window.setTimeout(start, RETRY_MS); }
      });
      hls.loadSource(source);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = source;
      if (live) {
        video.addEventListener("error", function () { window.setTimeout(function () { video.src = source; }, RETRY_MS); });
      }
    }
  }
  start();
})();

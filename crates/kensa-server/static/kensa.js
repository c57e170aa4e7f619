// kensa serve: optional conveniences. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A page showing a running scan reloads itself to show progress.
  const notice = document.getElementById("notice");
  const seconds = notice ? Number(notice.dataset.refresh) : 0;
  if (seconds > 0) {
    setTimeout(() => window.location.reload(), seconds * 1000);
  }
});

// A link in the menu bar to the same page in the book's other language.
//
// The English book is the site's root; the Chinese one, built from the
// same sources with book/po/zh-CN.po, lives in its zh-CN/ folder. Every
// page has the same file name in both, and every heading the same id, so
// the link keeps the reader's place.
(function () {
    "use strict";
    var chinese = document.documentElement.lang === "zh-CN";
    var buttons = document.querySelector(".right-buttons");
    if (!buttons) {
        return;
    }
    var page = window.location.pathname.split("/").pop() || "index.html";
    var link = document.createElement("a");
    // path_to_root is mdBook's own: "" or "../" up to the book's root.
    var root = typeof path_to_root === "string" ? path_to_root : "";
    link.href = root + (chinese ? "../" : "zh-CN/") + page + window.location.hash;
    link.textContent = chinese ? "English" : "简体中文";
    link.title = chinese ? "Read this page in English" : "阅读本页的简体中文版";
    link.setAttribute("lang", chinese ? "en" : "zh-CN");
    link.className = "language-switch";
    buttons.insertBefore(link, buttons.firstChild);
    // A heading the reader jumps to later is remembered too.
    window.addEventListener("hashchange", function () {
        link.href = root + (chinese ? "../" : "zh-CN/") + page + window.location.hash;
    });
})();

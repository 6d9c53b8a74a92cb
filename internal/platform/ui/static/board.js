// The deals board: drag a card onto another stage to move the deal. The
// drop submits the card's own "move" form, so the board works the same
// without this script (choose the stage, press Move).
(function () {
  "use strict";
  var board = document.getElementById("deal-board");
  if (!board) { return; }
  var dragged = null;
  board.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest(".board-card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  board.addEventListener("dragover", function (ev) {
    var col = ev.target.closest(".board-column");
    if (!col || !dragged) { return; }
    ev.preventDefault();
    board.querySelectorAll(".drop-target").forEach(function (c) { if (c !== col) { c.classList.remove("drop-target"); } });
    col.classList.add("drop-target");
  });
  board.addEventListener("drop", function (ev) {
    var col = ev.target.closest(".board-column");
    if (!col || !dragged) { return; }
    ev.preventDefault();
    var form = dragged.querySelector("form.board-move");
    var stage = col.getAttribute("data-stage");
    if (!form || form.elements.stage.value === stage) { return; }
    form.elements.stage.value = stage;
    col.appendChild(dragged);
    form.requestSubmit();
  });
})();

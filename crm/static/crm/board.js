// The pipeline board: drag a card to another column, or use its "Move…" button (keyboard), to
// move a partnership. Saved without reloading; a refused move goes back where it was and says why.
// Plain HTML5 drag and drop and fetch: no library.
(function () {
  "use strict";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function announce(text, isError) {
    const status = document.getElementById("board-status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function updateCounts(board) {
    board.querySelectorAll(".column").forEach(function (column) {
      const cards = column.querySelectorAll(".card").length;
      column.querySelector("[data-count]").textContent = cards;
      const list = column.querySelector(".cards");
      const empty = list.querySelector(".empty");
      if (cards && empty) empty.remove();
      if (!cards && !empty) {
        const item = document.createElement("li");
        item.className = "empty muted";
        item.textContent = "Nobody here";
        list.appendChild(item);
      }
    });
  }

  function columnFor(board, stage) {
    return board.querySelector('.column[data-stage="' + stage + '"] .cards');
  }

  // Ask the server; resolves with {ok, data}. The card is already where the user put it.
  function send(card, fields) {
    const body = new URLSearchParams(fields);
    return fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken(),
      },
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) {
        return { ok: response.ok, data: data };
      }, function () {
        return { ok: false, data: { error: "The server did not answer as expected (" + response.status + ")." } };
      });
    }, function () {
      return { ok: false, data: { error: "The move could not be saved: no connection to the server." } };
    });
  }

  function move(board, card, toStage, extra) {
    const from = { list: card.parentElement, next: card.nextElementSibling, stage: card.dataset.stage };
    const name = card.querySelector(".creator").textContent.trim();
    const target = columnFor(board, toStage);
    if (!target || toStage === from.stage) return Promise.resolve(false);
    target.prepend(card);
    card.classList.add("saving");
    updateCounts(board);
    return send(card, Object.assign({ stage: toStage }, extra || {})).then(function (result) {
      card.classList.remove("saving");
      if (result.ok) {
        card.dataset.stage = result.data.stage;
        announce(name + " moved to " + result.data.label + ".");
        return true;
      }
      from.list.insertBefore(card, from.next && from.next.parentElement === from.list ? from.next : null);
      updateCounts(board);
      card.classList.add("refused");
      setTimeout(function () { card.classList.remove("refused"); }, 2500);
      announce(name + " was not moved: " + result.data.error, true);
      card.focus();
      return result.data.error;
    });
  }

  // The stage a card usually goes to next (the board's data-next-stages, from the server's rules):
  // the dialog offers it first, so one click moves forward and never back to Discovered.
  function nextStage(board, card) {
    try {
      return JSON.parse(board.dataset.nextStages || "{}")[card.dataset.stage] || "";
    } catch (error) {
      return "";
    }
  }

  // kept: after a refusal, what was typed ({stage, reason, note}) and why it was refused ({error}).
  function openMoveDialog(board, card, preset, kept) {
    const dialog = document.getElementById("move-dialog");
    const form = dialog.querySelector("form");
    form.reset();
    dialog.querySelector("[data-name]").textContent = card.querySelector(".creator").textContent.trim();
    dialog.querySelector("[data-error]").textContent = kept ? kept.error : "";
    const select = form.elements.stage;
    const open = Array.from(select.options).filter(function (option) {
      option.disabled = option.value === card.dataset.stage;
      return !option.disabled;
    });
    const wanted = (kept && kept.stage) || preset || nextStage(board, card);
    select.value = open.some(function (o) { return o.value === wanted; }) ? wanted : open[0].value;
    if (kept) {
      form.elements.reason.value = kept.reason || "";
      form.elements.note.value = kept.note || "";
    }
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "move" ? {
          stage: select.value, reason: form.elements.reason.value, note: form.elements.note.value,
        } : null);
      });
    });
  }

  // Ask in the dialog, then move. A refused move (a decline without a reason, observe first) opens
  // the dialog again with what was typed and the reason it was refused: no note is lost.
  function moveThroughDialog(board, card, preset, kept) {
    return openMoveDialog(board, card, preset, kept).then(function (fields) {
      if (!fields) return false;
      return move(board, card, fields.stage, fields).then(function (result) {
        if (result === true || result === false) return result;
        return moveThroughDialog(board, card, fields.stage, Object.assign({ error: result }, fields));
      });
    });
  }

  function setUp() {
    const board = document.getElementById("board");
    if (!board || board.dataset.canMove !== "1" || board.dataset.ready) return;
    board.dataset.ready = "1";
    let dragged = null;

    board.addEventListener("dragstart", function (event) {
      const card = event.target.closest(".card");
      if (!card) return;
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.id);
    });
    board.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
      dragged = null;
    });
    board.addEventListener("dragover", function (event) {
      const column = event.target.closest(".column");
      if (!column || !dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      board.querySelectorAll(".drop-target").forEach(function (c) {
        if (c !== column) c.classList.remove("drop-target");
      });
      column.classList.add("drop-target");
    });
    board.addEventListener("drop", function (event) {
      const column = event.target.closest(".column");
      if (!column || !dragged) return;
      event.preventDefault();
      column.classList.remove("drop-target");
      const card = dragged;
      const stage = column.dataset.stage;
      if (stage === "declined") {
        // Declining needs a reason: ask for it, keep the card where it was if the manager cancels.
        moveThroughDialog(board, card, stage);
        return;
      }
      move(board, card, stage);
    });

    board.addEventListener("click", function (event) {
      const link = event.target.closest("a.move");
      if (!link) return;
      event.preventDefault();
      const card = link.closest(".card");
      moveThroughDialog(board, card).then(function () { link.focus(); });
    });
  }

  document.addEventListener("DOMContentLoaded", setUp);
  // The filters replace the board through htmx: wire the new one up.
  document.addEventListener("htmx:afterSettle", setUp);
})();

// The "New ticket" assistant as a conversation: each step of the form is
// posted in the background and the page's assistant is replaced by the
// one the server answers, so the exchange grows in place without a page
// load; picking a category asks at once. Without JavaScript the same
// forms post and the server renders the same steps (adminui/assistant.go).
(function () {
  'use strict';

  function bind(root) {
    var form = root.querySelector('#assistant-form');
    if (!form) {
      return;
    }
    var select = form.querySelector('#category');
    var change = form.querySelector('#change-category');
    if (select && change) {
      change.hidden = true; // picking is enough
      select.addEventListener('change', function () { send(form, change); });
    }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      send(form, e.submitter);
    });
    var help = root.querySelector('#still-need-help');
    if (help) {
      help.addEventListener('click', function (e) {
        e.preventDefault();
        var q = root.querySelector('#questions');
        q.scrollIntoView({behavior: 'smooth', block: 'start'});
        var first = q.querySelector('input, select');
        if (first) {
          first.focus();
        }
      });
    }
  }

  function send(form, submitter) {
    var data = new FormData(form);
    var action = form.action;
    if (submitter) {
      if (submitter.name) {
        data.append(submitter.name, submitter.value);
      }
      if (submitter.hasAttribute('formaction')) {
        action = submitter.formAction;
      }
    }
    var root = document.getElementById('assistant');
    root.setAttribute('aria-busy', 'true');
    var typing = document.createElement('p');
    typing.className = 'chat-bubble chat-helpdesk chat-typing';
    typing.id = 'typing';
    typing.textContent = '…';
    form.appendChild(typing);
    fetch(action, {method: 'POST', body: data, credentials: 'same-origin'}).then(function (resp) {
      var type = resp.headers.get('Content-Type') || '';
      if (resp.redirected || type.indexOf('text/html') !== 0) {
        window.location.assign(resp.url);
        return null;
      }
      return resp.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var next = doc.getElementById('assistant');
        if (!next) { // an error page: show it as it is
          document.documentElement.replaceWith(doc.documentElement);
          return;
        }
        root.replaceWith(next);
        next.classList.add('chat-live');
        bind(next);
        var target = next.querySelector('.is-invalid, #form-error, #similar, #category-step, #subject');
        if (target) {
          target.scrollIntoView({block: 'center'});
          if (target.matches('input, select, textarea')) {
            target.focus();
          }
        }
      });
    }).catch(function () {
      // The network failed: the same step without JavaScript.
      root.removeAttribute('aria-busy');
      typing.remove();
      if (submitter && submitter.name) {
        var keep = document.createElement('input');
        keep.type = 'hidden';
        keep.name = submitter.name;
        keep.value = submitter.value;
        form.appendChild(keep);
      }
      if (submitter && submitter.hasAttribute('formaction')) {
        form.action = submitter.formAction;
      }
      form.submit();
    });
  }

  bind(document);
}());

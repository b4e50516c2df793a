// iamgate console: FIDO security keys (WebAuthn). iamgate's own code.
//
// A form with data-webauthn="create" (registration) or "get" (sign-in)
// carries the options the server began the ceremony with, as JSON in
// data-options (binary values in base64url). On submit this script asks
// the browser (navigator.credentials) for the key's answer, writes it into
// the form's "credential" field as JSON (binary values in base64url, the
// shape of WebAuthn's PublicKeyCredential toJSON) and posts the form. The
// server checks everything; this file only carries bytes.
(function () {
  'use strict';

  function toB64u(buf) {
    var bytes = new Uint8Array(buf), s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromB64u(str) {
    var s = str.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      var d = { type: c.type, id: fromB64u(c.id) };
      if (c.transports) d.transports = c.transports;
      return d;
    });
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.user.id = fromB64u(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    return { publicKey: pk };
  }

  function encode(cred) {
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64u(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = toB64u(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64u(r.authenticatorData);
      out.response.signature = toB64u(r.signature);
      if (r.userHandle) out.response.userHandle = toB64u(r.userHandle);
    }
    return JSON.stringify(out);
  }

  function wire(form) {
    var status = form.querySelector('[data-status]');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (!window.PublicKeyCredential || !navigator.credentials) {
        status.textContent = 'This browser does not support security keys (WebAuthn).';
        return;
      }
      var opts = JSON.parse(form.getAttribute('data-options'));
      var create = form.getAttribute('data-webauthn') === 'create';
      status.textContent = 'Waiting for your security key…';
      var p = create ? navigator.credentials.create(creationOptions(opts)) : navigator.credentials.get(requestOptions(opts));
      p.then(function (cred) {
        form.querySelector('input[name="credential"]').value = encode(cred);
        status.textContent = 'Checking…';
        form.submit();
      }, function (err) {
        status.textContent = 'The security key did not answer (' + err.name + '). Try again.';
      });
    });
  }

  var forms = document.querySelectorAll('form[data-webauthn]');
  for (var i = 0; i < forms.length; i++) wire(forms[i]);
})();

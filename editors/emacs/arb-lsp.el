;;; arb-lsp.el --- arb-lsp (OpenRouter models) for Emacs through eglot  -*- lexical-binding: t; -*-

;;; Commentary:

;; Completion (M-TAB / company / corfu), explanations in eldoc (hover) and
;; "Generate docstring for ..." (M-x arb-lsp-docstring, or pick it in
;; M-x eglot-code-actions), from the arb-lsp language server.
;;
;; Load it from your init file, then start eglot as usual:
;;
;;   (load "/path/to/arb-lsp/editors/emacs/arb-lsp.el")
;;   (add-hook 'python-mode-hook #'eglot-ensure)
;;
;; Needs eglot 1.9 or newer (built into Emacs 29; Debian's elpa-eglot or
;; M-x package-install RET eglot on Emacs 28) and `arb-lsp' on `exec-path'.
;;
;; The key: arb-lsp reads OPENROUTER_API_KEY from its environment, which it
;; inherits from Emacs, e.g. (setenv "OPENROUTER_API_KEY"
;; (auth-source-pick-first-password :host "openrouter.ai")).  It may also be
;; given as :apiKey in `arb-lsp-settings'.
;;
;; eglot runs one server per buffer: the modes below use arb-lsp instead of
;; their usual server while this file is loaded.
;;
;; eglot 1.9 does not resolve code actions lazily, so the docstring action
;; carries a command that makes arb-lsp send the edit back through
;; workspace/applyEdit; eglot asks before applying it unless
;; `eglot-confirm-server-initiated-edits' is nil.

;;; Code:

(require 'eglot)

(defvar arb-lsp-program '("arb-lsp")
  "The command that starts arb-lsp on stdio, as a list of strings.
Read each time a server starts, like `arb-lsp-settings'.")

(defvar arb-lsp-settings
  '(:priority "cost"
    :completion (:enabled t :debounceMs 100 :maxTokens 256 :multiline "auto")
    :hover (:enabled t)
    :docstring (:style "google")
    :redactSecrets t)
  "The arbLsp settings (camelCase plist; t and :json-false for booleans).
Sent as initializationOptions when a server starts; an :arbLsp entry in
`eglot-workspace-configuration' overrides them.")

(defvar arb-lsp-languages
  '(("python" python-mode python-ts-mode)
    ("javascript" js-mode js-ts-mode)
    ("typescriptreact" tsx-ts-mode)
    ("typescript" typescript-mode typescript-ts-mode)
    ("go" go-mode go-ts-mode)
    ("rust" rust-mode rust-ts-mode)
    ("java" java-mode java-ts-mode)
    ("c" c-mode c-ts-mode)
    ("cpp" c++-mode c++-ts-mode))
  "LSP language ids and the major modes that use arb-lsp for them.
One eglot server per language: eglot gives all of a server's buffers one
language id.")

(defun arb-lsp--initialization-options (_server)
  "The initializationOptions sent to arb-lsp."
  (list :arbLsp arb-lsp-settings))

(defun arb-lsp--contact (&optional _interactive)
  "The eglot contact, read when a server starts: program and options."
  (append arb-lsp-program
          (list :initializationOptions #'arb-lsp--initialization-options)))

(dolist (language (reverse arb-lsp-languages))
  (add-to-list 'eglot-server-programs
               (cons (mapcar (lambda (mode) (list mode :language-id (car language)))
                             (cdr language))
                     #'arb-lsp--contact)))

(defun arb-lsp-docstring ()
  "Write a docstring for the function, method or class at point."
  (interactive)
  ;; arb-lsp's only quick fix is the docstring action: eglot runs it directly.
  (eglot-code-actions (point) nil "quickfix" t))

(provide 'arb-lsp)

;;; arb-lsp.el ends here

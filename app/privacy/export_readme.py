"""The bilingual README.txt placed in every data export."""

README = """\
Charte — export of your data / export de vos données
====================================================

ENGLISH

This archive holds everything Charte records about you (GDPR articles 15 and 20).

- charte-export.json: your data in a machine-readable form. Its structure is described by the
  JSON Schema schemas/me-export.schema.json of the Charte source code. Keys:
  profile (your account), progress (modules and completions), quiz_attempts (every attempt with
  the answers you gave), signatures (your signatures of the social-media policy, with the
  evidence recorded: text fingerprint, time, IP address, browser, method), consent_events (every
  image-use decision), paper_forms (scans of paper forms HR recorded for you), audit_events
  (entries of the audit log about you), files (the list of files in this archive). Other keys
  (e.g. certificates, reminders: the reminder emails sent to you and what each listed) may
  appear when your organisation uses those features.
- receipts/policy-CODE.pdf: the receipt of each policy signature, with the text you signed
  in an annex.
- policy_texts/policy-vN.LANG.html: the full text of each policy version you signed, exactly
  as stored (also under "signed_text" in charte-export.json). Its SHA-256 (e.g. `sha256sum`)
  is the "text_sha256" of your signature when "matches_text_sha256" is true; false means the
  stored text was altered after you signed: tell your HR department.
- receipts/consent-N.pdf and receipts/consent-N.json: the receipt of each image-use decision,
  as a PDF and as a machine-readable consent receipt.
- attachments/: scans of paper forms recorded "by HR on your behalf".

Each receipt carries a code that anyone can check on the Charte verification page.
Entries marked "on_behalf": true were recorded by HR from a paper form you signed.

FRANÇAIS

Cette archive contient tout ce que Charte enregistre à votre sujet (RGPD, articles 15 et 20).

- charte-export.json : vos données sous une forme lisible par une machine. Sa structure est
  décrite par le schéma JSON schemas/me-export.schema.json du code source de Charte. Clés :
  profile (votre compte), progress (modules et validations), quiz_attempts (chaque tentative,
  avec vos réponses), signatures (vos signatures de la charte, avec les preuves enregistrées :
  empreinte du texte, heure, adresse IP, navigateur, méthode), consent_events (chaque décision
  sur l'utilisation de votre image), paper_forms (les formulaires papier numérisés enregistrés
  par les RH pour vous), audit_events (les entrées du journal d'audit vous concernant), files
  (la liste des fichiers de l'archive). D'autres clés (par exemple certificates, vos
  certificats, ou reminders, les rappels envoyés par e-mail et ce que chacun demandait) peuvent
  apparaître si votre organisation utilise ces fonctions.
- receipts/policy-CODE.pdf : le reçu de chaque signature de la charte, avec en annexe le
  texte que vous avez signé.
- policy_texts/policy-vN.LANGUE.html : le texte intégral de chaque version de la charte que
  vous avez signée, tel qu'il est conservé (aussi sous "signed_text" dans charte-export.json).
  Son empreinte SHA-256 (par exemple avec `sha256sum`) est le "text_sha256" de votre signature
  quand "matches_text_sha256" vaut true ; false signifie que le texte conservé a été modifié
  après votre signature : prévenez votre service RH.
- receipts/consent-N.pdf et receipts/consent-N.json : le reçu de chaque décision sur votre
  image, en PDF et sous forme de reçu de consentement lisible par une machine.
- attachments/ : les formulaires papier numérisés, enregistrés « par les RH en votre nom ».

Chaque reçu porte un code que chacun peut vérifier sur la page de vérification de Charte.
Les entrées marquées "on_behalf": true ont été enregistrées par les RH à partir d'un
formulaire papier que vous avez signé.
"""

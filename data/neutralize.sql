-- A copied or restored database must never book into the real Octopus dossiers.
UPDATE octopus_connection SET active = false, user_token = NULL;
UPDATE octopus_dossier SET dossier_token = NULL;

from . import octopus_link_wizard

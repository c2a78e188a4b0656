package classify

import "strings"

// glossary maps the commonest helpdesk words of German, French and
// Spanish (lower case, as plainWords gives them; phrases of up to three
// words) to the English words the history and the category keywords use,
// so a mail written in one of them meets the same features. Words that
// are the same in English, or that English helpdesk mail also uses
// ("notebook", "portable": the history's words stay as they are), are not
// here.
var glossary, glossaryStarts = func() (map[string][]string, map[string]bool) {
	m, starts := map[string][]string{}, map[string]bool{}
	for _, line := range strings.Split(`
drucker, druckers, imprimante, imprimantes, impresora, impresoras = printer
bildschirm, bildschirme, écran, écrans, ecran, pantalla, pantallas = screen
monitore, moniteur, moniteurs = monitor
portátil, portátiles, portatil, ordinateur portable = laptop
tastatur, clavier, teclado = keyboard
maus, souris, ratón, raton = mouse
akku, batterie, batería, bateria = battery
kopfhörer, casque, casques, auriculares = headset
dockingstation, station d'accueil = docking
passwort, kennwort, mot de passe, contraseña, contrasena = password
zugang, zugriff, accès, acces, acceso = access
konto, benutzerkonto, compte, cuenta = account
gesperrt, bloqué, bloquée, bloqueado, bloqueada = locked
anmelden, anmeldung, connexion, connecter, iniciar sesión = login
berechtigung, berechtigungen, permisos, permiso = permission
zurücksetzen, réinitialiser, restablecer = reset
adminrechte, administratorrechte, droits administrateur, derechos de administrador = admin rights
administrateur, administrador = administrator
rechte, droits, derechos = rights
installieren, instalar, instalación = install
urlaub, urlaubsantrag, congé, congés, vacances, vacaciones = holiday
krank, krankmeldung, maladie, arrêt maladie, baja médica, enfermedad = sick leave
gehalt, salaire, salario, sueldo = salary
gehaltsabrechnung, lohnabrechnung, fiche de paie, bulletin de salaire, nómina, nomina = payslip
zeiterfassung, stundenzettel, feuille de temps = timesheet
mitarbeiter, employé, empleado, empleados = employee
bestellung, bestellen, commande, commander, pedido = order
kaufen, acheter, achat, comprar, compra = purchase
angebot, devis, presupuesto, cotización, cotizacion = quote
rechnung, facture, factura = invoice
lieferant, fournisseur, proveedor = vendor
lizenz, lizenzen, licencia, licencias = license
projekt, projet, proyecto = project
projektcode, code projet, código de proyecto, codigo de proyecto = project code
projektleiter, chef de projet, jefe de proyecto = project manager
speicherplatz, espace disque, espacio en disco = disk space
speicher, stockage, almacenamiento = storage
laufwerk, netzlaufwerk, lecteur réseau, unidad de red = shared drive
postfach, boîte mail, boîte aux lettres, buzón, buzon = mailbox
sicherung, datensicherung, sauvegarde, copia de seguridad = backup
wiederherstellen, restaurer, restaurar, récupérer, recuperar = restore
voll, plein, pleine, lleno, llena = full
besprechung, réunion, reunión = meeting
kalender, calendrier, calendario = calendar
frage, pregunta = question
kaputt, defekt, cassé, cassée, roto, rota, averiado = broken
funktioniert, fonctionne, funciona = work
`, "\n") {
		from, to, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		target := strings.Fields(to)
		for _, entry := range strings.Split(from, ",") {
			// Keyed as plainWords reads it: "station d'accueil" is
			// "station accueil".
			words := plainWords(entry)
			m[strings.Join(words, " ")] = target
			if len(words) > 1 {
				starts[words[0]] = true
			}
		}
	}
	return m, starts
}()

// translate replaces the glossary's words and phrases in plain (plain
// words) by their English words, longest phrase first. Linear in plain.
func translate(plain []string) []string {
	var out []string
	changed := false
	for i := 0; i < len(plain); i++ {
		n, to := 0, []string(nil)
		if glossaryStarts[plain[i]] {
			for k := min(3, len(plain)-i); k >= 2 && n == 0; k-- {
				if t, ok := glossary[strings.Join(plain[i:i+k], " ")]; ok {
					n, to = k, t
				}
			}
		}
		if n == 0 {
			if t, ok := glossary[plain[i]]; ok {
				n, to = 1, t
			}
		}
		if n == 0 {
			if changed {
				out = append(out, plain[i])
			}
			continue
		}
		if !changed {
			out, changed = append(out, plain[:i]...), true
		}
		out = append(out, to...)
		i += n - 1
	}
	if !changed {
		return plain
	}
	return out
}

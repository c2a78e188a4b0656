// Package classify picks a ticket's category: a local classifier that
// needs no network and learns from the helpdesk's own history, an
// OpenAI-compatible classifier, and a Chain that falls back from the
// second to the first. All of them are domain.Classifier.
//
// # The local model
//
// A mail is read as MailText(subject, body) and normalized (normalize.go)
// the same way for training and for classification: the subject loses
// RE:/FW:/AW:/TR: prefixes and ticket tags ([#TG-123]); the body (its first
// 8 KB) loses quoted replies and Outlook's quoted header blocks, the
// greeting, the sign-off with the signature below it, legal disclaimers,
// external-sender banners and mobile footers ("Sent from my iPhone"); a
// forwarded mail keeps its text without its header block. German, French
// and Spanish helpdesk words of a glossary become the English ones
// (glossary.go). A text without a line break (the dataset's preprocessed
// tickets) is taken as normalized already. Then Tokens: Unicode lower
// case, split on anything but letters, URLs, mail addresses, IP addresses,
// error codes (0x…), asset tags (letters with three digits or more) and
// numbers mapped to the typed tokens _url, _addr, _ip, _errcode, _asset and
// _num, English, German, French and Spanish stop words plus greetings and
// thanks removed, a light stemmer for English words (-s, -ies, -ing, -ed,
// a final -e), one token per character in scripts written without
// spaces. Features are the words, the subject's words (at most ten; the
// first five words of a text without a subject) again as features of
// their own (the subject says most), and pairs of
// neighbouring words, kept when seen in at least two documents, weighted
// by sublinear term
// frequency (1 + ln tf) and scaled to unit length. (Inverse document
// frequency is available but off: on the dataset the labels follow
// frequent topic words that idf pushes down.)
//
// The model has two parts whose scores are added. The first is one linear
// support vector machine per category (one against the rest), trained
// in-process by dual coordinate descent on the squared hinge loss
// (liblinear's L2-loss dual solver, Hsieh et al. 2008) with cost C = 0.5,
// examples weighed by (examples of their label)^-0.3, a fixed number of
// passes and a seeded order. (Config.Solver "" selects the multinomial
// logistic regression by AdaGrad SGD used before; it scores about half a
// point lower on the dataset.)
//
// The second, once there are 2,000 real examples or more, is a small
// neural network on a latent semantic embedding (see dense.go): the
// words as they are (no stop words removed, no stems), idf-weighted, are
// projected on the top 160 right singular vectors of the training texts'
// documents × words matrix (randomized subspace iteration on a sample of
// 16,000 texts), and one hidden layer of 32 ReLUs trained by Adam for five
// passes turns that into probabilities, which are added to the SVM scores.
// The linear part reads words one by one; the embedding puts words of the
// same tickets close together and the network combines them, so the two
// err on different tickets: on the dataset the sum scores about 1.1 points
// above the SVM alone.
//
// The two parts are trained one after the other, each on all cores (side
// by side, their scratch memory added up); sums are split
// into a fixed number of parts, so the same data always gives the same
// model, on any machine. On the 38,285 rows of the dataset's train.csv
// training takes about 3.8 s on two cores and the model holds about 17 MB
// (BenchmarkTrain, BenchmarkClassify).
//
// Admin keywords are strong features twice over: each keyword is also a
// seed example of its category (so the model learns it), and each keyword
// found in a text (a word of six letters or more also one typo away:
// "pasword", "licence") adds KeywordBoost to its category's score after
// the model (up to three), so that an admin's word keeps its weight
// against a large history written otherwise (the prior evidence of round
// 4 in docs/classification.md). A category's name, description and keywords are seed
// examples: a fresh install with no history classifies from them alone
// (the cold-start model), and a category that no ticket was confirmed in
// yet is still known.
//
// # Calibration
//
// SVM scores are margins, not probabilities, and the softmax of a model
// trained by a few epochs of SGD is not calibrated either. With enough
// examples (300 or more), Train holds one real example in twenty out,
// learns on the others, and fits one temperature T that minimises the
// negative log-likelihood of the held-out ones (golden-section search);
// probabilities are softmax(score/T) over the labels. That model is kept:
// learning again on everything would double the training time for five
// percent more data. A temperature keeps the ranking, so it changes
// confidences and never the answer. `classify eval` prints the expected
// calibration error (the gap between confidence and accuracy, averaged
// over ten confidence bins). CLASSIFY_MIN_CONFIDENCE is then chosen on
// these calibrated confidences (docs/classification.md).
//
// # Retraining
//
// A Learner rebuilds the model from the database (categories plus the
// tickets whose category was confirmed) at start, whenever the categories
// version changes on any instance, and when enough new tickets were
// confirmed. Local keeps answering with the previous model meanwhile; it
// never waits for training.
//
// # Admin picks and examples
//
// Beside its model, a Local remembers a bounded set of confirmed tickets
// as hashed feature vectors (memory.go): the newest of the last training,
// and the admins' category picks, which the Learner reads at each poll
// when the examples version moved, without retraining. A mail worded like
// a pick (cosine similarity ≥ NearDuplicate) gets the admin's category;
// the closest tickets are the OpenAI prompt's examples (Similar).
//
// # The OpenAI-compatible classifier
//
// OpenAI asks a chat completions endpoint at temperature 0, with the
// categories' names, descriptions and keywords and the three closest
// confirmed tickets in a bounded prompt, for JSON whose category is
// constrained by a JSON schema enum of the names and "none" (falling back
// to plain JSON mode on servers that refuse schemas). Timeouts, HTTP
// errors, rate limits (a 429's Retry-After is honoured), refusals,
// malformed JSON and names that are not categories are errors; Chain then
// lets the local classifier decide and says why in the explanation.
// "none" is an answer without a category. Errors never contain the API
// key.
package classify

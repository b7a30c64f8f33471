/**
 * Seed letters for Undersigned.
 *
 * Source: article “The ukrainian human right defenders in Kyiv celebrated the
 * Mukhtar Abliazov birthday” (mukhtarablyazov.org, 22.05.2015).
 *
 * Letter 1 reproduces the greeting quoted in the article (English verbatim,
 * Ukrainian and Russian translations). Letter 2 is written from the facts the
 * article gives about the letter Ukrainian human rights defenders presented to
 * the French authorities; its original text is not quoted in the article.
 */
import type { Language } from '../../platform/web/languages';

export interface SeedTranslation {
  language: Language;
  title: string;
  /** For page titles and share cards (at most 70 characters with the site name). */
  shortTitle: string;
  /** One or two sentences, plain text, at most 200 characters. */
  summary: string;
  /** Markdown. */
  body: string;
  recipient: string;
}

export interface SeedLetter {
  slug: string;
  defaultLanguage: Language;
  goal: number | null;
  publicNamesDefault: 'public' | 'initials' | 'private';
  translations: SeedTranslation[];
}

export const seedLetters: SeedLetter[] = [
  {
    slug: 'birthday-greeting-mukhtar-ablyazov',
    defaultLanguage: 'en',
    goal: 1000,
    publicNamesDefault: 'private',
    translations: [
      {
        language: 'en',
        title: 'Birthday greeting to Mukhtar Ablyazov from Ukrainian human rights defenders',
        shortTitle: 'Birthday greeting to Mukhtar Ablyazov',
        summary:
          'Ukrainian human rights defenders wish Kazakh opposition politician Mukhtar Ablyazov, imprisoned in France, a happy birthday and pledge to keep fighting for his freedom.',
        recipient: 'Mukhtar Ablyazov',
        body: `*Context: this greeting was presented by Ukrainian human rights defenders in Kyiv in May 2015 and recorded on video by the Open Dialog Foundation.*

Dear Mukhtar Ablyazov!

We would like to wish a happy birthday! We deeply respect your civic position and wish you endurance and strength to continue your fight for the truth. Today is a great holiday, which, unfortunately, you are forced to celebrate in adverse conditions: away from your family, in a French prison, with an uncertain future looming over you.

We want you to know that Ukrainian human rights defenders continue to fight for your freedom and the freedom of other Kazakh oppositionists; this is a fight for the ideals of democracy and international justice.

We are confident that next year, you will be celebrating your birthday at large, with your family.
`,
      },
      {
        language: 'uk',
        title: 'Привітання Мухтарові Аблязову з днем народження від українських правозахисників',
        shortTitle: 'Привітання Мухтарові Аблязову з днем народження',
        summary:
          'Українські правозахисники вітають із днем народження казахстанського опозиційного політика Мухтара Аблязова, ув’язненого у Франції, і обіцяють далі боротися за його свободу.',
        recipient: 'Мухтар Аблязов',
        body: `*Контекст: це привітання українські правозахисники виголосили в Києві у травні 2015 року, а представники Фонду «Відкритий діалог» записали його на відео.*

Шановний Мухтаре Аблязов!

Вітаємо Вас із днем народження! Ми глибоко поважаємо Вашу громадянську позицію і бажаємо Вам витримки та сили, щоб продовжувати боротьбу за правду. Сьогодні велике свято, яке Вам, на жаль, доводиться зустрічати в несприятливих умовах: далеко від родини, у французькій в’язниці, з непевним майбутнім, що нависає над Вами.

Ми хочемо, щоб Ви знали: українські правозахисники й далі борються за Вашу свободу та за свободу інших казахстанських опозиціонерів; це боротьба за ідеали демократії та міжнародної справедливості.

Ми впевнені, що наступного року Ви святкуватимете свій день народження на волі, разом із родиною.
`,
      },
      {
        language: 'ru',
        title: 'Поздравление Мухтару Аблязову с днём рождения от украинских правозащитников',
        shortTitle: 'Поздравление Мухтару Аблязову с днём рождения',
        summary:
          'Украинские правозащитники поздравляют с днём рождения казахстанского оппозиционного политика Мухтара Аблязова, заключённого во Франции, и обещают бороться за его свободу.',
        recipient: 'Мухтар Аблязов',
        body: `*Контекст: это поздравление украинские правозащитники произнесли в Киеве в мае 2015 года, а представители Фонда «Открытый диалог» записали его на видео.*

Уважаемый Мухтар Аблязов!

Поздравляем Вас с днём рождения! Мы глубоко уважаем Вашу гражданскую позицию и желаем Вам стойкости и сил, чтобы продолжать борьбу за правду. Сегодня большой праздник, который Вам, к сожалению, приходится встречать в тяжёлых обстоятельствах: вдали от семьи, во французской тюрьме, под гнётом неопределённого будущего.

Мы хотим, чтобы Вы знали: украинские правозащитники продолжают бороться за Вашу свободу и за свободу других казахстанских оппозиционеров; это борьба за идеалы демократии и международной справедливости.

Мы уверены, что в следующем году Вы будете отмечать свой день рождения на свободе, вместе с семьёй.
`,
      },
    ],
  },
  {
    slug: 'letter-to-french-authorities',
    defaultLanguage: 'fr',
    goal: 5000,
    publicNamesDefault: 'private',
    translations: [
      {
        language: 'fr',
        title: 'Lettre aux autorités françaises contre l’extradition de Mukhtar Ablyazov',
        shortTitle: 'Non à l’extradition de Mukhtar Ablyazov',
        summary:
          'Des défenseurs ukrainiens des droits de l’homme demandent aux autorités françaises de ne pas extrader Mukhtar Ablyazov, détenu en France, et de le remettre en liberté.',
        recipient: 'Les autorités françaises',
        body: `Mesdames, Messieurs,

Nous, défenseurs ukrainiens des droits de l’homme, nous adressons à vous au sujet de Mukhtar Ablyazov, homme politique kazakh d’opposition, actuellement détenu en France. Nous vous demandons respectueusement de ne pas l’extrader et de le remettre en liberté.

M. Ablyazov a été arrêté à la suite de demandes d’extradition déposées par l’Ukraine et la Russie. Ces demandes ont été fabriquées et déposées à l’époque de Ianoukovitch.

Au Kazakhstan, le simple fait d’avoir des liens politiques avec Mukhtar Ablyazov expose à la persécution. Vladimir Kozlov, dirigeant du parti « Alga! », et Mukhtar Dzhakishev sont toujours incarcérés dans des prisons kazakhes.

L’expérience montre pourtant que la fermeté européenne porte ses fruits. Grâce à la pression de la communauté internationale, plusieurs personnes ont pu être libérées : Bolat Atabayev, qui vit aujourd’hui en France ; Igor Vinyavskiy, qui vit à Varsovie ; Muratbek Ketabayev, qui a obtenu le statut de réfugié politique en Pologne. Le 31 mai 2013, Alma Shalabayeva et Alua Ablyazova ont été illégalement expulsées d’Italie et transférées au Kazakhstan, en violation du droit italien et du droit international ; grâce à la mobilisation de la société européenne, elles ont été ramenées en Italie. L’Autriche a refusé d’extrader Artur Trofimov vers la Russie et lui a accordé sa protection diplomatique. Alexander Pavlov, ancien chef de la sécurité de M. Ablyazov, a obtenu le statut de réfugié politique.

Ces décisions montrent que les États européens peuvent refuser de devenir les instruments d’une persécution politique. Nous vous mettons en garde contre les graves dangers qu’entraînerait l’extradition de M. Ablyazov : elle donnerait effet à des demandes fabriquées, alors même que de simples liens politiques avec lui suffisent à justifier des persécutions.

Nous vous demandons donc :

- de rejeter les demandes d’extradition déposées par l’Ukraine et la Russie ;
- de remettre Mukhtar Ablyazov en liberté.

Nous sommes convaincus que la France saura rester fidèle aux idéaux de la démocratie et de la justice internationale.

Veuillez agréer, Mesdames, Messieurs, l’expression de notre haute considération.

Des défenseurs ukrainiens des droits de l’homme
`,
      },
      {
        language: 'en',
        title: 'Letter to the French authorities against the extradition of Mukhtar Ablyazov',
        shortTitle: 'No to the extradition of Mukhtar Ablyazov',
        summary:
          'Ukrainian human rights defenders urge the French authorities not to extradite Mukhtar Ablyazov, who is detained in France, and to release him.',
        recipient: 'The French authorities',
        body: `Ladies and Gentlemen,

We, Ukrainian human rights defenders, are writing to you about Mukhtar Ablyazov, the Kazakh opposition politician who is currently detained in France. We respectfully urge you not to extradite him and to release him.

Mr Ablyazov was arrested as a result of extradition requests filed by Ukraine and Russia. These requests were fabricated and filed in the Yanukovych era.

In Kazakhstan, political links to Mukhtar Ablyazov are in themselves a reason for persecution. Vladimir Kozlov, leader of the “Alga!” party, and Mukhtar Dzhakishev are still incarcerated in Kazakh prisons.

Experience shows, however, that European firmness bears fruit. Thanks to pressure from the international community, several people have been released: Bolat Atabayev, who now lives in France; Igor Vinyavskiy, who lives in Warsaw; and Muratbek Ketabayev, who has been granted political refugee status in Poland. On 31 May 2013, Alma Shalabayeva and Alua Ablyazova were unlawfully deported from Italy and transferred to Kazakhstan, in violation of Italian and international law; thanks to the efforts of European society, they were brought back to Italy. Austria refused to extradite Artur Trofimov to Russia and granted him diplomatic protection. Alexander Pavlov, Mr Ablyazov’s former security chief, has been granted political refugee status.

These decisions show that European states can refuse to become instruments of political persecution. We warn you of the grave dangers that Mr Ablyazov’s extradition would entail: it would give effect to fabricated requests, even though mere political links to him are enough to justify persecution.

We therefore ask you:

- to reject the extradition requests filed by Ukraine and Russia;
- to release Mukhtar Ablyazov.

We are confident that France will remain faithful to the ideals of democracy and international justice.

Respectfully,

Ukrainian human rights defenders
`,
      },
    ],
  },
];

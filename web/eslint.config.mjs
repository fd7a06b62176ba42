import nx from "@nx/eslint-plugin";
import baseConfig from "../tools/eslint.base.config.mjs";

export default [
    ...nx.configs["flat/angular"],
    ...nx.configs["flat/angular-template"],
    ...baseConfig,
    {
        files: [
            "**/*.ts"
        ],
        rules: {
            "@angular-eslint/directive-selector": [
                "error",
                {
                    type: "attribute",
                    prefix: "mp",
                    style: "camelCase"
                }
            ],
            "@angular-eslint/component-selector": [
                "error",
                {
                    type: "element",
                    prefix: "mp",
                    style: "kebab-case"
                }
            ]
        }
    },
    {
        // One REST contract (docs/openapi.json): the app calls the API only through the generated
        // client (@meshping/api-client), so no hand-written URL, HttpClient call or mirrored type.
        // Tests may name paths to check what the client sent.
        files: ["src/**/*.ts"],
        ignores: ["src/**/*.spec.ts", "src/testing/**"],
        rules: {
            "no-restricted-syntax": [
                "error",
                {
                    selector: "Literal[value=/^\\/api(\\/|$)/]",
                    message: "Call the API through @meshping/api-client (one function per operation), not by URL."
                },
                {
                    selector: "TemplateElement[value.raw=/(^|[^\\w.])\\/api(\\/|$)/]",
                    message: "Call the API through @meshping/api-client (one function per operation), not by URL."
                }
            ],
            "no-restricted-imports": [
                "error",
                {
                    paths: [
                        {
                            name: "@angular/common/http",
                            message: "Call the API through @meshping/api-client (generated from docs/openapi.json), not HttpClient."
                        }
                    ]
                }
            ]
        }
    },
    {
        files: [
            "**/*.html"
        ],
        // Override or add rules here
        rules: {}
    }
];
